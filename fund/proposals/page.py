"""What the proposal page shows of the steps that come after proposals in the layers.

The committee sits above proposals, so the proposal page cannot read the committee's records
itself. As with the workflow guards (`fund.proposals.guards`), the package that owns the rule
registers it from its `init_app`:

- links to its pages for a proposal and a viewer (`PAGE.add_links`), shown after the proposal's
  own links, in the order registered;
- who reads the secretariat's notes for the committee (`PAGE.set_committee_notes_reader`).
  Until a rule is registered nobody reads them: the notes stay hidden rather than shown to all;
- sections of the page for a proposal and a viewer (`PAGE.add_section`: HTML already rendered,
  or nothing), shown after the budget, in the order registered.

Registering the same function again does nothing (the application is created many times in one
process); a second, different notes rule is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fund.proposals.models import Proposal

Link = tuple[str, str]  # (href, label)
LinkProvider = Callable[[Any, "Proposal"], list[Link]]
NotesReader = Callable[[Any, "Proposal"], bool]
SectionProvider = Callable[[Any, "Proposal"], Any]  # rendered HTML, or None


class ProposalPageParts:
    """The parts of the proposal page registered by the later steps (see the module)."""

    def __init__(self) -> None:
        self._link_providers: list[LinkProvider] = []
        self._notes_reader: NotesReader | None = None
        self._section_providers: list[SectionProvider] = []

    def add_section(self, provider: SectionProvider) -> None:
        if provider not in self._section_providers:
            self._section_providers.append(provider)

    def sections(self, user: Any, proposal: Proposal) -> list[Any]:
        shown = (provider(user, proposal) for provider in self._section_providers)
        return [section for section in shown if section]

    def add_links(self, provider: LinkProvider) -> None:
        if provider not in self._link_providers:
            self._link_providers.append(provider)

    def set_committee_notes_reader(self, reader: NotesReader) -> None:
        if self._notes_reader not in (None, reader):
            raise ValueError("Another rule already decides who reads the notes for the committee.")
        self._notes_reader = reader

    def links(self, user: Any, proposal: Proposal) -> list[Link]:
        return [link for provider in self._link_providers for link in provider(user, proposal)]

    def reads_committee_notes(self, user: Any, proposal: Proposal) -> bool:
        return self._notes_reader is not None and self._notes_reader(user, proposal)


PAGE = ProposalPageParts()
