"""Hypothesis strategies: random reports of both editions, consistent by construction."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from docgen.editions import EDITIONS
from docgen.editions.types import Kind
from docgen.report.model import Amount, Overview, Report, Section

COUNT = st.integers(min_value=0, max_value=500)
CJK_TEXT = st.text(
    alphabet=st.characters(whitelist_categories=("Lo", "Nd", "Po", "Sm"), min_codepoint=0x21, max_codepoint=0x9FFF, blacklist_characters="\u2028\u2029"),
    min_size=0,
    max_size=40,
)

TITLE = st.text(alphabet=st.characters(whitelist_categories=("Lo",), max_codepoint=0x9FFF), min_size=1, max_size=12)


def _money(kind: Kind):
    decimals = st.integers(0, 6).flatmap(
        lambda places: st.decimals(min_value=0, max_value=Decimal("99999999"), places=places, allow_nan=False, allow_infinity=False)
    )
    if kind is Kind.AMOUNT:
        return st.builds(lambda v, u: Amount(value=v, unit=u), decimals, st.sampled_from(["", "元", "万元"]))
    return decimals


def _value(kind: Kind):
    if kind is Kind.COUNT:
        return COUNT
    if kind is Kind.CHANGE:
        return st.integers(min_value=-200, max_value=200)
    return _money(kind)


@st.composite
def reports(draw, edition_id: int | None = None, consistent: bool = True) -> Report:
    """A random report; with consistent=True, R1 holds in every column."""
    edition_id = edition_id or draw(st.sampled_from(sorted(EDITIONS)))
    spec = EDITIONS[edition_id]
    active = {row.id: {f.id: draw(_value(f.kind)) for f in block.fields} for block, row in spec.active_rows}
    apps = {row.id: draw(st.lists(COUNT, min_size=6, max_size=6)) for row in spec.result_rows}
    apps["carried_out"] = draw(st.lists(COUNT, min_size=6, max_size=6))
    apps["carried_in"] = draw(st.lists(COUNT, min_size=6, max_size=6))
    needed = [sum(apps[r.id][c] for r in spec.result_rows) + apps["carried_out"][c] for c in range(6)]
    apps["carried_in"] = [min(a, n) for a, n in zip(apps["carried_in"], needed)]
    apps["received"] = [n - a for n, a in zip(needed, apps["carried_in"])]
    if not consistent:
        column = draw(st.integers(0, 5))
        apps["received"][column] += draw(st.integers(1, 9))
    reviews = {g.id: draw(st.lists(COUNT, min_size=4, max_size=4)) for g in spec.review_groups}
    sections = draw(st.lists(st.builds(Section, title=TITLE, text=CJK_TEXT), max_size=3))
    return Report(
        edition=edition_id,
        agency=draw(CJK_TEXT.filter(lambda t: t.strip() and " " not in t)),
        year=draw(st.integers(spec.first_year, spec.last_year or 2030)),
        preamble=draw(CJK_TEXT),
        overview=Overview(intro=draw(CJK_TEXT), sections=sections),
        active=active,
        applications=apps,
        reviews=reviews,
        problems=draw(CJK_TEXT),
        other_matters=draw(CJK_TEXT),
    )
