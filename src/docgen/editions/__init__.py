"""The official report formats, one data module per edition."""

from __future__ import annotations

from .common import APPLICANTS, HEADER_KEYS, NARRATIVES, REVIEW_GROUPS, REVIEW_RESULTS, SECTION_LABELS, SECTIONS
from .ed2019 import EDITION as EDITION_2019
from .ed2021 import EDITION as EDITION_2021
from .types import Edition

EDITIONS: dict[int, Edition] = {e.id: e for e in (EDITION_2019, EDITION_2021)}
CURRENT = EDITION_2021


def get(edition_id: int) -> Edition:
    """The edition with this id; KeyError when there is none."""
    return EDITIONS[edition_id]


def for_year(year: int) -> Edition:
    """The edition that serves a report year (the current one for years it does not know)."""
    for edition in EDITIONS.values():
        if edition.serves(year):
            return edition
    return EDITION_2019 if year < EDITION_2019.first_year else CURRENT


__all__ = [
    "APPLICANTS",
    "CURRENT",
    "EDITIONS",
    "Edition",
    "HEADER_KEYS",
    "NARRATIVES",
    "REVIEW_GROUPS",
    "REVIEW_RESULTS",
    "SECTIONS",
    "SECTION_LABELS",
    "for_year",
    "get",
]
