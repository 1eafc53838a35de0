"""The portal's one-click 汇总: a year's approved (已审核) reports of an aggregating agency's direct
children (a county's departments and 乡镇; a city's counties — their own approved 汇总 — and the
city's departments), summed by `docgen rollup`'s own code into a report of that agency.

The 汇总 is an ordinary report of the county (reports.agency_id = the county), so it is edited,
checked, downloaded, submitted and approved like any other; its figures come from its parts only.
`rollup_parts` records exactly which revision of which report was summed. Running the 汇总 again
replaces the figures as a new revision of the same report and keeps the narrative written since.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update

from ..errors import DocgenError, Problem
from ..report.dump import to_yaml
from ..report.model import Report
from ..rules.audit import Audit
from . import portaldb
from .portaldb import AGENCY, APPROVED, NOT_STARTED, agencies, rollup_parts
from .service import WebError, loaded_of, verdict
from .store import FROZEN, Store, reports, revisions
from .store import now as stamp_now

KEPT = ("agency", "date", "title", "preamble", "overview", "problems", "other_matters")  # the county writes these
SUMMED = ("edition", "year", "active", "applications", "reviews")  # these come from the parts


@dataclass(frozen=True)
class Member:
    """An agency of the tree."""

    id: int
    name: str
    level: str


@dataclass(frozen=True)
class Part:
    """One report in a 汇总: whose it is, and the revision summed."""

    agency_id: int
    agency: str
    report_id: int
    revision: int


@dataclass(frozen=True)
class Outstanding:
    """A child agency whose report is not in the 汇总: its state (未开始 when it has none)."""

    agency_id: int
    agency: str
    state: str
    report_id: int | None = None
    note: str = ""


@dataclass
class Outcome:
    """What one run of the 汇总 did."""

    report_id: int
    revision: int
    created: bool
    parts: list[Part]
    outstanding: list[Outstanding]
    summary: str


@dataclass
class View:
    """A 汇总 as its page shows it: the county report, the parts summed, who is left out now."""

    report_id: int
    county: Member
    year: int
    edition: int
    revision: int
    state: str
    parts: list[Part]
    outstanding: list[Outstanding]
    stale: dict[int, str] = field(default_factory=dict)  # report id -> why the part changed since


def member(store: Store, agency_id: int) -> Member:
    with store.engine.connect() as conn:
        row = conn.execute(select(agencies.c.id, agencies.c.name, agencies.c.level).where(agencies.c.id == agency_id)).first()
    if row is None:
        raise WebError("没有这个机关", status=404)
    return Member(row.id, row.name, row.level)


def aggregators(store: Store) -> list[Member]:
    """The agencies a 汇总 can be made for: every level above 机关, and any agency with children."""
    parents = select(agencies.c.parent_id).where(agencies.c.parent_id.is_not(None))
    query = (
        select(agencies.c.id, agencies.c.name, agencies.c.level)
        .where((agencies.c.level != AGENCY) | agencies.c.id.in_(parents))
        .order_by(agencies.c.name)
    )
    with store.engine.connect() as conn:
        return [Member(r.id, r.name, r.level) for r in conn.execute(query)]


def children(store: Store, agency_id: int) -> list[Member]:
    query = select(agencies.c.id, agencies.c.name, agencies.c.level).where(agencies.c.parent_id == agency_id).order_by(agencies.c.name)
    with store.engine.connect() as conn:
        return [Member(r.id, r.name, r.level) for r in conn.execute(query)]


@dataclass(frozen=True)
class Made:
    """A 汇总 report, for the list of 汇总 made so far."""

    report_id: int
    agency: str
    year: int
    revision: int
    state: str
    parts: int
    updated_at: object


def made(store: Store) -> list[Made]:
    """Every 汇总 report (not in the recycle bin), the latest year first."""
    from sqlalchemy import func

    c = reports.c
    counts = select(rollup_parts.c.rollup_id, func.count().label("parts")).group_by(rollup_parts.c.rollup_id).subquery()
    query = (
        select(c.id, c.agency, c.year, c.revision, c.state, c.updated_at, counts.c.parts)
        .join(counts, counts.c.rollup_id == c.id)
        .where(c.deleted_at.is_(None))
        .order_by(c.year.desc(), c.agency)
    )
    with store.engine.connect() as conn:
        return [Made(r.id, r.agency, r.year, r.revision, r.state, r.parts, r.updated_at) for r in conn.execute(query)]


def candidates(store: Store, county_id: int, year: int) -> tuple[list[tuple[Part, str]], list[Outstanding]]:
    """Each child's approved report of the year with its stored text, and the children without one.

    An agency with several approved reports of the year (an import next to a typed one) counts
    with its latest; an agency without one is listed with the state of its latest report."""
    kids = children(store, county_id)
    c = reports.c
    query = (
        select(c.id, c.agency_id, c.state, c.revision, c.content)
        .where(c.agency_id.in_(select(agencies.c.id).where(agencies.c.parent_id == county_id)), c.year == year, c.deleted_at.is_(None))
        .order_by(c.id)
    )
    latest: dict[int, object] = {}
    approved: dict[int, object] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            latest[row.agency_id] = row
            if row.state == APPROVED:
                approved[row.agency_id] = row
    parts: list[tuple[Part, str]] = []
    outstanding: list[Outstanding] = []
    for kid in kids:
        row = approved.get(kid.id)
        if row is not None:
            parts.append((Part(kid.id, kid.name, row.id, row.revision), row.content))
            continue
        last = latest.get(kid.id)
        outstanding.append(Outstanding(kid.id, kid.name, last.state if last else NOT_STARTED, last.id if last else None))
    return parts, outstanding


def county_report_id(store: Store, county_id: int, year: int) -> int | None:
    """The county's own report of the year (its 汇总), if there is one."""
    c = reports.c
    query = select(c.id).where(c.agency_id == county_id, c.year == year, c.deleted_at.is_(None)).order_by(c.id.desc()).limit(1)
    with store.engine.connect() as conn:
        return conn.execute(query).scalar()


def part_name(part: Part) -> str:
    """How messages and the 汇总 header name a part (no path separators: it stands for a file)."""
    name = part.agency.replace("/", "／").replace("\\", "＼")
    return f"{name}·第{part.revision}版"


def audits_of(parts: list[tuple[Part, str]], checked: bool = True) -> list[Audit]:
    """The parts as `docgen rollup` sees its inputs: loaded, with `docgen check`'s findings."""
    from ..rules.audit import findings_of

    out = []
    for part, content in parts:
        loaded = loaded_of(content)
        out.append(Audit(part_name(part), loaded, findings=findings_of(loaded) if checked else []))
    return out


def sum_parts(parts: list[tuple[Part, str]], county: str, checked: bool = True):
    """`docgen rollup` of the parts (rollup.sum.rollup_of): validated and summed, or WebError."""
    from ..rollup.sum import rollup_of

    try:
        return rollup_of(audits_of(parts, checked), county)
    except DocgenError as exc:
        raise WebError("无法汇总：" + exc.message.splitlines()[-1], getattr(exc, "problems", None) or [], status=409) from None


def roll_up(store: Store, county_id: int, year: int, author: str) -> Outcome:
    """Sum the approved reports of the county's children into the county's report of the year."""
    county = member(store, county_id)
    if county.level == AGENCY and not children(store, county_id):
        raise WebError(f"“{county.name}”没有下级机关，不能汇总（汇总由县、市、省级的主管部门进行）")
    parts, outstanding = candidates(store, county_id, year)
    if not parts:
        waiting = [Problem("", None, o.agency, o.state) for o in outstanding]
        raise WebError(f"{county.name}{year}年度还没有已审核的报告，无法汇总；请等各机关的报告审核通过后再汇总", waiting, status=409)
    result = sum_parts(parts, county.name)
    included = [p for p, _ in parts]
    with store.writing() as conn:
        existing = _county_row(conn, county_id, year)
        before = _recorded(conn, existing.id) if existing is not None else []
        summary = _summary(included, before)
        if existing is None:
            report_id, revision = _create(conn, county, result, summary, author)
            created = True
        else:
            if existing.state in FROZEN:
                raise WebError(
                    f"{county.name}{year}年度的汇总报告{existing.state}（已报送上级），不能重新汇总；需要更新时请上级先退回", status=409
                )
            report_id, created = existing.id, False
            revision = _update(conn, existing, result, summary, author)
        conn.execute(delete(rollup_parts).where(rollup_parts.c.rollup_id == report_id))
        conn.execute(
            insert(rollup_parts), [{"rollup_id": report_id, "report_id": p.report_id, "revision": p.revision} for p in included]
        )
    from .drilldown import remember

    remember(store, report_id, [(p, part.loaded.report) for p, part in zip(included, result.parts)])
    return Outcome(report_id, revision, created, included, outstanding, summary)


def merged(existing: Report, summed: Report) -> Report:
    """The county's report with the summed figures and the narrative (and header) it has now."""
    return Report(**{k: getattr(existing, k) for k in KEPT}, **{k: getattr(summed, k) for k in SUMMED})


def _county_row(conn, county_id: int, year: int):
    """The county's report of the year, locked (the county's row first, as Store.create locks it:
    two 汇总 clicked at once make one report)."""
    conn.execute(select(agencies.c.id).where(agencies.c.id == county_id).with_for_update())
    c = reports.c
    query = select(c.id, c.content, c.revision, c.state).where(c.agency_id == county_id, c.year == year, c.deleted_at.is_(None))
    return conn.execute(query.order_by(c.id.desc()).limit(1).with_for_update()).first()


def _recorded(conn, rollup_id: int) -> list[Part]:
    query = (
        select(rollup_parts.c.report_id, rollup_parts.c.revision, reports.c.agency_id, agencies.c.name)
        .join(reports, reports.c.id == rollup_parts.c.report_id)
        .join(agencies, agencies.c.id == reports.c.agency_id, isouter=True)
        .where(rollup_parts.c.rollup_id == rollup_id)
    )
    return [Part(r.agency_id or 0, r.name or "", r.report_id, r.revision) for r in conn.execute(query)]


def _summary(parts: list[Part], before: list[Part]) -> str:
    """The revision's summary: how many parts, and what changed since the last 汇总."""
    head = f"汇总 {len(parts)} 个机关的已审核报告"
    if not before:
        return head
    old = {p.report_id: p for p in before}
    new = {p.report_id: p for p in parts}
    added = [p.agency for p in parts if p.report_id not in old]
    updated = [p.agency for p in parts if p.report_id in old and old[p.report_id].revision != p.revision]
    dropped = [p.agency for p in before if p.report_id not in new]
    notes = [f"{label}：{'、'.join(names[:5])}{'等' if len(names) > 5 else ''}" for label, names in (("新增", added), ("更新", updated), ("移出", dropped)) if names]
    return "重新" + head + (f"（{'；'.join(notes)}）" if notes else "（无变化）")


def _content(result, report: Report) -> tuple[str, str]:
    from ..rules.audit import findings_of

    text = to_yaml(report, result.header())
    return text, verdict(findings_of(loaded_of(text)))


def _create(conn, county: Member, result, summary: str, author: str) -> tuple[int, int]:
    text, status = _content(result, result.report)
    report = result.report
    when = stamp_now()
    report_id = conn.execute(
        insert(reports).values(
            agency=report.agency, year=report.year, edition=report.edition, content=text, status=status, revision=1,
            created_at=when, updated_at=when, agency_id=county.id, state=portaldb.DRAFT,
        )
    ).inserted_primary_key[0]
    conn.execute(insert(revisions).values(report_id=report_id, number=1, created_at=when, author=author, summary=summary, content=text))
    return int(report_id), 1


def _update(conn, existing, result, summary: str, author: str) -> int:
    report = merged(loaded_of(existing.content).report, result.report)
    text, status = _content(result, report)
    if text == existing.content:
        return existing.revision
    number = existing.revision + 1
    when = stamp_now()
    conn.execute(
        update(reports)
        .where(reports.c.id == existing.id)
        .values(content=text, status=status, agency=report.agency, edition=report.edition, revision=number, updated_at=when)
    )
    conn.execute(insert(revisions).values(report_id=existing.id, number=number, created_at=when, author=author, summary=summary, content=text))
    return number


# -- reading a 汇总 back ---------------------------------------------------------------------------
def recorded_parts(store: Store, rollup_id: int) -> list[tuple[Part, str]]:
    """The parts of a 汇总 with the text of the very revision that was summed, by agency name."""
    query = (
        select(rollup_parts.c.report_id, rollup_parts.c.revision, reports.c.agency_id, agencies.c.name, revisions.c.content)
        .join(reports, reports.c.id == rollup_parts.c.report_id)
        .join(agencies, agencies.c.id == reports.c.agency_id, isouter=True)
        .join(revisions, (revisions.c.report_id == rollup_parts.c.report_id) & (revisions.c.number == rollup_parts.c.revision))
        .where(rollup_parts.c.rollup_id == rollup_id)
    )
    with store.engine.connect() as conn:
        rows = [(Part(r.agency_id or 0, r.name or "", r.report_id, r.revision), r.content) for r in conn.execute(query)]
    return sorted(rows, key=lambda item: (item[0].agency, item[0].report_id))


def view(store: Store, rollup_id: int) -> View:
    """The 汇总 page: its parts (and which changed since), and the children not in it."""
    stored = store.get(rollup_id)
    if stored is None or stored.agency_id is None:
        raise WebError("没有这份汇总报告", status=404)
    county = member(store, stored.agency_id)
    parts = [p for p, _ in recorded_parts(store, rollup_id)]
    if not parts:
        raise WebError(f"“{stored.agency}”{stored.year}年度的报告不是汇总报告（尚未汇总）", status=404)
    now_parts, outstanding = candidates(store, county.id, stored.year)
    included = {p.report_id: p for p in parts}
    current = {p.agency_id: p for p, _ in now_parts}
    stale: dict[int, str] = {}
    for p in parts:
        fresh = current.get(p.agency_id)
        if fresh is None:
            stale[p.report_id] = "已不是已审核状态（可能已退回）"
        elif fresh.report_id != p.report_id or fresh.revision != p.revision:
            stale[p.report_id] = f"已有新的已审核版本（第 {fresh.revision} 版），重新汇总后计入"
    left_out = [o for o in outstanding if o.report_id not in included]
    left_out += [
        Outstanding(p.agency_id, p.agency, APPROVED, p.report_id, "已审核，尚未汇总（请重新汇总）")
        for p, _ in now_parts
        if p.agency_id not in {q.agency_id for q in parts}
    ]
    return View(rollup_id, county, stored.year, stored.edition, stored.revision, stored.state, parts, left_out, stale)


def parts_summed(store: Store, rollup_id: int):
    """`docgen rollup`'s result over the recorded revisions, with the county report as the sum
    (its figures are the parts' sum; its header and narrative are the county's)."""
    stored = store.get(rollup_id)
    if stored is None:
        raise WebError("没有这份汇总报告", status=404)
    parts = recorded_parts(store, rollup_id)
    if not parts:
        raise WebError("这份报告不是汇总报告（尚未汇总）", status=404)
    result = sum_parts(parts, member(store, stored.agency_id).name if stored.agency_id else stored.agency, checked=False)
    result.report = loaded_of(stored.content).report
    return result, [p for p, _ in parts]
