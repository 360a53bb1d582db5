"""String enums whose members carry the label people read.

A member is declared with its value and its label, `APPLICANT = "applicant", "Applicant"`: it
stays the string "applicant" (stored, compared, sent in forms) and `Role.APPLICANT.label` is
"Applicant". `Role.labels()` is the mapping of every member to its label, in declaration order,
for the forms' choices and the pages.
"""

from __future__ import annotations

import enum
from typing import Self

from fund.sentences import N_

__all__ = ["N_", "LabelledEnum"]


class LabelledEnum(enum.StrEnum):
    """A `StrEnum` whose members are declared as `(value, label)`."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[Self, str]:
        """Each member and its label, in the order of declaration."""
        return {member: member.label for member in cls}

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a stored value (in English, marked for translation); a value that is
        no member (kept in an older record) as it is, nothing as a dash."""
        try:
            return cls(value).label
        except ValueError:
            return value or "—"
