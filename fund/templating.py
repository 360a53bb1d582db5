"""Template helpers: navigation by role, money formatting, proposal references, the names of
pools, budget categories and objectives, and the reference data in the page's language."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType, SimpleNamespace
from typing import Any

from flask import Flask, current_app, g, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from fund import days, i18n
from fund.accounts.models import (
    AUDIT_READERS,
    COMMITTEE_READERS,
    MONEY_READERS,
    PROPOSAL_READERS,
    REPORT_READERS,
    SEAT_READERS,
    Role,
)
from fund.auditlog.words import action_words
from fund.committee.rounds import decision_sentence
from fund.finance.funding import pool_name
from fund.i18n import current_language
from fund.labels import N_
from fund.money import typed_decimal
from fund.proposals.access import can_view
from fund.proposals.attachments import file_types
from fund.proposals.models import WRITTEN_REFERENCE, proposal_reference
from fund.reference import translations
from fund.reference.queries import labels
from fund.refusals import action_problems
from fund.sentences import day_count, listed, month_count, said, said_marked, separator
from workflows import FUNDED_STATES
from workflows import concept_note as concept_note_workflow
from workflows import proposal as proposal_workflow
from workflows import report as report_workflow
from workflows import revision as revision_workflow
from workflows import voting_round as voting_round_workflow


def _state_names(workflow: ModuleType, prefix: str = "", suffix: str = "") -> SimpleNamespace:
    """The states of a workflow by the names of the constants beside its table, without the
    prefix and suffix they share: `FUNDED_STATE` is `FUNDED`, `ROUND_OPEN` is `OPEN`."""
    return SimpleNamespace(
        **{
            name.removeprefix(prefix).removesuffix(suffix): value
            for name, value in vars(workflow).items()
            if name.isupper()
            and name.startswith(prefix)
            and name.endswith(suffix)
            and isinstance(value, str)
        }
    )


# The state names a template compares a status with, `{% if proposal.status ==
# workflow_states.proposal.FUNDED %}`: each workflow's own, read from its table's module; a
# concept note's intake and withdrawal are the proposal's states (`workflow_states.proposal`).
WORKFLOW_STATES = SimpleNamespace(
    proposal=_state_names(proposal_workflow, suffix="_STATE"),
    concept_note=_state_names(concept_note_workflow, prefix="NOTE_", suffix="_STATE"),
    round=_state_names(voting_round_workflow, prefix="ROUND_"),
    report=_state_names(report_workflow, prefix="REPORT_"),
    revision=_state_names(revision_workflow, prefix="REVISION_"),
)

SIGNED_IN = frozenset({"*signed-in*"})  # shown to every signed-in user, whatever the role

# (endpoint, label, roles that see it (empty = everyone, signed in or not), the group it is
# listed under on the bar (None: a link of its own)); the bar keeps this order.
NAVIGATION: list[tuple[str, str, frozenset[str], str | None]] = [
    ("core.index", N_("Home"), frozenset(), None),
    ("calls.index", N_("Calls"), frozenset({Role.APPLICANT, Role.SECRETARIAT}), N_("Proposals")),
    ("proposals.index", N_("Proposals"), PROPOSAL_READERS, N_("Proposals")),
    ("screening.queue", N_("Screening"), frozenset({Role.SECRETARIAT}), N_("Proposals")),
    ("committee.index", N_("Committee"), COMMITTEE_READERS, N_("Committee")),
    ("pipeline.index", N_("Pipeline"), COMMITTEE_READERS, N_("Committee")),
    ("seats.index", N_("Committee seats"), SEAT_READERS, N_("Committee")),
    ("reporting.index", N_("Programme reports"), REPORT_READERS, N_("Programmes")),
    ("revisions.index", N_("Revisions"), frozenset({Role.SECRETARIAT}), N_("Programmes")),
    ("finance.balance", N_("Finances"), MONEY_READERS, N_("Finances")),
    ("coverage.dashboard", N_("Coverage"), frozenset(), N_("Results")),
    ("results.framework", N_("Results"), COMMITTEE_READERS, N_("Results")),
    ("reports.index", N_("Reports"), frozenset({Role.SECRETARIAT}), N_("Results")),
    ("portfolio.index", N_("Public programmes"), frozenset(), N_("Results")),
    ("portfolio.map_page", N_("Where the money goes"), frozenset(), N_("Results")),
    ("portfolio.contributions", N_("Contributions"), frozenset(), N_("Results")),
    ("reports.open_data", N_("Open data"), frozenset(), N_("Results")),
    ("audit.log", N_("Audit log"), AUDIT_READERS, N_("Administration")),
    ("admin.users", N_("Users"), frozenset({Role.ADMIN}), N_("Administration")),
    ("admin.organizations", N_("Organizations"), frozenset({Role.ADMIN}), N_("Administration")),
    (
        "core.failed_emails_page",
        N_("Emails not delivered"),
        frozenset({Role.ADMIN}),
        N_("Administration"),
    ),
    ("outbox.index", N_("Email outbox"), frozenset({Role.ADMIN}), N_("Administration")),
    ("reference.objectives", N_("GCM objectives"), frozenset(), N_("About the fund")),
    ("reference.principles", N_("Guiding principles"), frozenset(), N_("About the fund")),
    ("proposals.workflow", N_("Workflow"), frozenset(), N_("About the fund")),
    ("notifications.index", N_("Notifications"), SIGNED_IN, None),
]


@dataclass(frozen=True)
class NavEntry:
    """One place on the navigation bar: a link (one item) or a group of links (a disclosure
    menu). A group that holds one link for this user is that link."""

    label: str
    items: tuple[tuple[str, str], ...]  # (endpoint, label)

    @property
    def is_group(self) -> bool:
        return len(self.items) > 1

    def holds(self, endpoint: str | None) -> bool:
        return any(item == endpoint for item, _ in self.items)


def navigation_for(user) -> list[tuple[str, str]]:
    """The links the user may follow, in the navigation's order."""
    roles = user.roles if user.is_authenticated else frozenset()
    if user.is_authenticated:
        roles = roles | SIGNED_IN
    return [
        (endpoint, label)
        for endpoint, label, allowed, _ in NAVIGATION
        if endpoint in current_app.view_functions and (not allowed or roles & allowed)
    ]


def navigation_bar(user) -> list[NavEntry]:
    """The bar: the user's links gathered in their groups, at the place of the group's first
    link; the links of no group stand on their own."""
    groups = {endpoint: group for endpoint, _, _, group in NAVIGATION}
    entries: list[NavEntry] = []
    placed: dict[str, int] = {}
    for endpoint, label in navigation_for(user):
        group = groups[endpoint]
        if group is None:
            entries.append(NavEntry(label, ((endpoint, label),)))
        elif group in placed:
            entry = entries[placed[group]]
            entries[placed[group]] = NavEntry(group, (*entry.items, (endpoint, label)))
        else:
            placed[group] = len(entries)
            entries.append(NavEntry(group, ((endpoint, label),)))
    return [
        entry if entry.is_group else NavEntry(entry.items[0][1], entry.items) for entry in entries
    ]


def _labels():
    """The reference tables' names, read once per request in one statement (the filters below
    name many rows of them)."""
    if not hasattr(g, "_reference_labels"):
        g._reference_labels = labels()
    return g._reference_labels


def pool(code: str | None, short: bool = False) -> str:
    """`{{ code|pool }}`: a pool by its name in the page's language, "Unearmarked" or "TA1
    earmark: <the area>"; `{{ code|pool(short=True) }}` in a narrow column: "TA1 earmark".
    What is stored, audited or exported keeps `fund.finance.funding.pool_label`."""
    if not code:
        return "—"
    return pool_name(code, None if short else _labels().areas)


def category(code: int | str | None) -> str:
    """`{{ code|category }}`: a UNSDG budget category by number and name, "1. Staff and other
    personnel costs"."""
    if code in (None, ""):
        return "—"
    title = _labels().categories.get(int(code))
    return f"{code}. {title}" if title else str(code)


def objective(number: int | str | None) -> str:
    """`{{ number|objective }}`: a GCM objective by number and short name, the name in the page's
    language where the UN Network on Migration publishes one."""
    if number in (None, ""):
        return "—"
    label = _labels().objectives.get(int(number))
    if label:
        label = translations.objective_label(number, current_language(), label)
    return f"{number}. {label}" if label else str(number)


def objective_title(objective) -> str:
    """`{{ objective|objective_title }}`: its official title in the page's language, else in
    English."""
    return translations.objective_title(objective.number, current_language(), objective.title)


def objective_named(english: str, number: int | str, title: bool = False) -> str:
    """`{{ label|objective_named(number) }}`: an objective's short name given in English, in
    the page's language where the fund has its official text; `title=True`: its full title."""
    named = translations.objective_title if title else translations.objective_label
    return named(number, current_language(), english)


def objective_row(label: str, number: int | str) -> str:
    """`{{ row.label|objective_row(row.key) }}`: a coverage row's objective, labelled "N. short
    name" in English where the coverage is computed, in the page's language (no statement)."""
    return translations.objective_numbered(number, current_language(), label)


def objective_label(objective) -> str:
    """`{{ objective|objective_label }}`: its short name in the page's language, else in
    English."""
    return translations.objective_label(objective.number, current_language(), objective.short_label)


def objective_numbered(objective) -> str:
    """`{{ objective|objective_numbered }}`: "N. short name", the name in the page's language,
    else in English."""
    return translations.objective_numbered(
        objective.number, current_language(), objective.short_label
    )


def principle_title(principle) -> str:
    """`{{ principle|principle_title }}`: its official heading in the page's language, else in
    English."""
    return translations.principle_title(principle.code, current_language(), principle.title)


def country_name(iso2: str | None, english: str = "") -> str:
    """`{{ country.iso2|country_name(country.name) }}`: the country in the page's language
    (Babel's CLDR names), in English the UN's name."""
    return translations.country_name(iso2, current_language(), english or (iso2 or ""))


def region_name(m49: str | None, english: str = "") -> str:
    """`{{ row.key|region_name(row.label) }}`: a UN M49 region in the page's language (Babel's
    CLDR names), in English the UN's name; the world's code: "Global (no country)"."""
    return translations.region_name(m49, current_language(), english or (m49 or ""))


def role_names(roles: Any) -> str:
    """`{{ user.roles|role_names }}`: roles by their labels in the page's language, in the
    order of their codes, separated as the language separates a list ("Applicant,
    Secretariat"); a code that is no role (a workflow's) as it is."""
    from flask_babel import gettext

    known = Role.labels()
    return separator().join(gettext(known[r]) if r in known else r for r in sorted(roles))


def reference(proposal_or_id) -> str:
    """`{{ proposal|reference }}` or `{{ proposal_id|reference }}`: P-00042."""
    proposal_id = getattr(proposal_or_id, "id", proposal_or_id)
    return proposal_reference(int(proposal_id))


UNBROKEN = Markup('<span class="ref">{}</span>')


def unbroken_references(text: Any) -> Markup:
    """`{{ notification.title|unbroken_references }}`: a plain text (a notification's title, a
    field's description), escaped, with each reference in it (P-00042) kept on one line
    (`.ref`)."""
    text = str(text or "")  # a plain text (a lazy one read now), never markup
    parts, last = [], 0
    for found in WRITTEN_REFERENCE.finditer(text):
        parts += [escape(text[last : found.start()]), UNBROKEN.format(found.group(0))]
        last = found.end()
    return Markup("").join([*parts, escape(text[last:])])


def may_open(proposal: Any) -> bool:
    """Whether the person asking may open the proposal's page: pages that name a proposal link
    to it only then, never with a link that would answer 404 (`proposals.access.can_view`)."""
    return can_view(current_user, proposal)


def written_in(text: Any, language: str | None) -> Any:
    """`{{ proposal.title|written_in(proposal.content_language) }}`: text people wrote, marked
    with the language it is written in where that is not the page's (WCAG 3.1.2, so that a
    screen reader reads an English title on a French page in English), and set apart in its own
    direction; as it is where the page is in its language."""
    if not text or not language or language == current_language():
        return text
    return Markup('<span lang="%s" dir="auto">%s</span>') % (language, text)


def quoted(text: Any) -> Markup:
    """`{{ title|quoted }}`: a title (or any text, markup kept) within the quotation marks of
    the page's language: “…” in English, « … » in French, «…» in Spanish and Arabic."""
    from flask_babel import gettext

    return escape(gettext("“%(text)s”")) % {"text": text}  # the text escaped, markup kept


def in_sentence(label: Any) -> str:
    """`{{ _(column.label)|in_sentence }}`: a heading as a word within a sentence ("Sorted by
    submitted (UTC)"): its first letter in lower case, unless its first word is an acronym
    ("ID", "IATI"); every other letter as the heading writes it, so "UTC" stays "UTC"."""
    text = str(label)
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def programme_page(proposal: Any) -> str | None:
    """Where a page naming a programme links its title for the person asking: the proposal's
    page when they may open it, else the public page every funded or closed programme has
    (a participating organization's staff, the administrative agent), else nowhere."""
    if may_open(proposal):
        return url_for("proposals.detail", proposal_id=proposal.id)
    if proposal.status in FUNDED_STATES:
        return url_for("portfolio.programme", proposal_id=proposal.id)
    return None


def init_app(app: Flask) -> None:
    # Jinja computes a filter of a constant once, when it compiles the template ("12.5" |
    # typed_decimal): the page's language of the first request would then be every page's.
    # Most filters here write in the page's language, so none is computed ahead.
    app.jinja_env.optimized = False
    app.jinja_env.globals["may_open"] = may_open
    app.jinja_env.globals["workflow_states"] = WORKFLOW_STATES
    app.jinja_env.globals["programme_page"] = programme_page
    # The file types an upload form takes, as the check takes them (`UPLOAD_ALLOWED_TYPES`).
    app.jinja_env.globals["upload_types"] = lambda: file_types(
        current_app.config["UPLOAD_ALLOWED_TYPES"]
    )
    app.jinja_env.filters["written_in"] = written_in
    app.jinja_env.filters["money"] = i18n.money
    app.jinja_env.filters["number"] = i18n.number
    app.jinja_env.filters["percent"] = i18n.percent  # a share: "92.3%", "92,3 %"
    app.jinja_env.filters["decimals"] = i18n.decimals  # "1,235" (0), "66,7" (1) in French
    app.jinja_env.filters["digits"] = i18n.digits  # a rate as set: "1,0825" in French
    app.jinja_env.filters["percent_figure"] = i18n.percent_figure  # 0.075 before "%%": "7,5"
    app.jinja_env.filters["typed_decimal"] = typed_decimal  # as a field takes it: "12,5" in French
    app.jinja_env.filters["when"] = i18n.when
    app.jinja_env.filters["in_words"] = days.in_words  # "5 March 2026", "1er mars 2026"
    app.jinja_env.filters["said"] = said
    app.jinja_env.filters["said_marked"] = said_marked  # a label marked N_ or pN_, translated
    app.jinja_env.filters["in_sentence"] = in_sentence  # a heading within a sentence
    app.jinja_env.filters["quoted"] = quoted  # within the language's quotation marks
    app.jinja_env.filters["listed"] = listed  # "IOM, UNDP"; in Arabic "IOM، UNDP"
    app.jinja_env.filters["months"] = month_count  # "7 months", "7 mois"; none: a dash
    app.jinja_env.filters["days"] = day_count  # "30 days", "30 jours"
    app.jinja_env.globals["separator"] = separator  # between items a loop writes
    app.jinja_env.globals["arrow"] = i18n.arrow  # "→", "←" the way the page reads
    app.jinja_env.filters["action_problems"] = action_problems  # a workflow's refusal, to say
    app.jinja_env.filters["decision"] = decision_sentence  # a closed round's, with its place
    app.jinja_env.filters["said_kept"] = i18n.said_kept
    app.jinja_env.filters["seed_text"] = i18n.seed_text  # a seeded criterion's label, translated
    app.jinja_env.filters["action"] = action_words  # an audited action in words
    app.jinja_env.filters["amount"] = i18n.amount  # in a column whose heading names the currency
    app.jinja_env.filters["reference"] = reference
    app.jinja_env.filters["role_names"] = role_names
    app.jinja_env.filters["unbroken_references"] = unbroken_references
    app.jinja_env.filters["pool"] = pool
    app.jinja_env.filters["category"] = category
    app.jinja_env.filters["objective"] = objective
    app.jinja_env.filters["objective_title"] = objective_title
    app.jinja_env.filters["objective_label"] = objective_label
    app.jinja_env.filters["objective_numbered"] = objective_numbered
    app.jinja_env.filters["objective_named"] = objective_named
    app.jinja_env.filters["objective_row"] = objective_row
    app.jinja_env.filters["principle_title"] = principle_title
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["region_name"] = region_name

    @app.context_processor
    def layout_context():
        from fund.notifications.queries import UnreadCount

        return {
            "navigation": navigation_for(current_user),
            "navigation_bar": navigation_bar(current_user),
            "current_endpoint": request.endpoint,
            "fund_name": app.config["FUND_NAME"],
            "decision_body": app.config["DECISION_BODY_NAME"],
            "unread_notifications": UnreadCount(current_user),
        }
