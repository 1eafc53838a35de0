"""County roll-up (汇总): the reports of many agencies of one edition and year → one report whose
every figure is the sum of theirs, written as an input file for the rolling-up agency.

A roll-up output is an ordinary input file, so it can itself be rolled up (乡镇 → 县 → 市 → 省).
The narrative is left for the rolling-up agency to write.
"""

from __future__ import annotations

import decimal
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..rules.audit import Audit, audit
from ..rules.checks import check, has_errors
from ..discover import YAML_SUFFIXES, expand
from ..report.dump import to_yaml
from ..editions.common import NARRATIVES
from ..editions.types import Kind
from ..errors import DocgenError, InconsistentError, InputError, Problem
from ..fsutil import atomic_path
from ..report.load import Loaded
from ..report.names import EMPTY_NAME, clean_name, name_key
from ..report.model import WAN, YUAN, Amount, Overview, Report, Section
from ..report.skeleton import OVERVIEW_TOPICS

WORKBOOK_SUFFIXES = (".xlsx",)
_NARRATIVE_PLACES = {"正文", *(n.label for n in NARRATIVES)}
# Enough digits that no realistic sum of money is ever rounded.
_EXACT = decimal.Context(prec=200, traps=[decimal.Inexact, decimal.InvalidOperation])


@dataclass
class Rollup:
    """The result of a roll-up: the summed report and the inputs it was summed from, in order."""

    report: Report
    parts: list[Audit]
    forced: list[str] = field(default_factory=list)  # inputs with inconsistent figures summed under --force
    converted_amounts: bool = False  # 采购总金额 written in different units, summed in 万元

    def header(self) -> list[str]:
        """Comment lines for the top of the output input file."""
        report = self.report
        lines = [
            f"{report.agency}{report.year}年政府信息公开工作年度报告 — 汇总输入文件（docgen rollup 生成）",
            f"表格数字为以下 {len(self.parts)} 个机关报告的逐项之和（{report.edition}版格式，{report.year}年度）：",
        ]
        lines += [f"  {i}. {part.loaded.report.agency}（{Path(part.file).name}）" for i, part in enumerate(self.parts, 1)]
        if self.converted_amounts:
            lines.append("各机关“采购总金额”的单位不一，已统一换算为万元后相加。")
        if self.forced:
            lines.append("注意：以下输入的数字不一致（违反勾稽关系），按 --force 仍然汇总：" + "、".join(self.forced))
        lines.append("正文（前言，一、总体情况，五、存在的主要问题及改进情况，六、其他需要报告的事项）须由本级机关撰写。")
        return lines

    def to_yaml(self) -> str:
        """The input file of the rolling-up agency's own report."""
        return to_yaml(self.report, self.header())


class RollupRefused(InconsistentError):
    """Some inputs break a consistency rule, so their sums would be wrong too."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        files = list(dict.fromkeys(p.file for p in problems))
        lines = [str(p) for p in problems]
        lines.append(f"{len(files)} 个输入文件的数字不一致（{'、'.join(files)}），未汇总；请先更正，或加 --force 仍然汇总")
        super().__init__("\n".join(lines))


def input_suffixes() -> tuple[str, ...]:
    """The files a roll-up reads: YAML input files, and this project's workbooks when the importer is installed."""
    return YAML_SUFFIXES + (WORKBOOK_SUFFIXES if _importer() is not None else ())


def gather(inputs: list[Path]) -> list[Path]:
    """Files as given, folders replaced by their input files; the same file named twice is an error."""
    suffixes = input_suffixes()
    paths: list[Path] = []
    for item in inputs:
        paths.extend(expand([item], suffixes))
    seen: dict[Path, Path] = {}
    problems = []
    for path in paths:
        key = path.resolve()
        if key in seen:
            problems.append(Problem(str(path), None, "", f"与“{seen[key]}”是同一个文件，重复列出；每个机关的报告只能汇总一次"))
        else:
            seen[key] = path
    if problems:
        raise InputError(problems)
    return paths


def read_input(path: Path, shown: str | None = None) -> Audit:
    """Load and check one input of a roll-up: a YAML input file or (with the importer) a workbook."""
    shown = shown or str(path)
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return audit(path, shown)
    from .workbook import is_rollup_workbook, read_rollup_workbook

    if is_rollup_workbook(path):
        try:
            report = read_rollup_workbook(path, shown)
        except InputError as exc:
            return Audit(shown, problems=exc.problems)
        return Audit(shown, Loaded(report, shown), findings=check(report))
    importer = _importer()
    if importer is None:
        return Audit(shown, problems=[Problem(shown, None, "", "此版本尚不能读取工作簿（.xlsx），请提供 YAML 输入文件")])
    try:
        imported = importer(path, shown)
    except InputError as exc:
        return Audit(shown, problems=exc.problems)
    except DocgenError as exc:
        return Audit(shown, problems=[Problem(shown, None, "", exc.message)])
    warnings = [w for w in imported.warnings if w.where not in _NARRATIVE_PLACES]  # the narrative is not summed
    loaded = Loaded(imported.report, shown, {}, warnings)
    return Audit(shown, loaded, findings=check(imported.report, imported.stated))


def read_inputs(paths: list[Path]) -> list[Audit]:
    """Every input loaded and checked; InputError listing every problem when any cannot be used."""
    parts = [read_input(path) for path in paths]
    problems = [p for part in parts if part.loaded is None for p in part.problems]
    if problems:
        raise InputError(problems)
    return parts


def validate(parts: list[Audit], agency: str, force: bool = False) -> list[str]:
    """Refuse inputs that cannot be summed; return the inconsistent ones accepted under `force`.

    Raises InputError (exit 2) for mixed editions or years, two reports of one agency, or an
    input that is the rolling-up agency's own report; RollupRefused (exit 1) for inputs whose
    figures break a rule, unless `force`.
    """
    if not parts:
        raise DocgenError("没有可汇总的输入文件")
    _same_edition_and_year(parts)
    _distinct_agencies(parts, agency)
    inconsistent = [part for part in parts if has_errors(part.findings)]
    if inconsistent and not force:
        problems = [f.problem(part.file) for part in inconsistent for f in part.findings if f.level == "error"]
        raise RollupRefused(problems)
    return [part.file for part in inconsistent]


def rollup(paths: list[Path], agency: str, force: bool = False) -> Rollup:
    """Read, validate and sum the reports in `paths` into one report of `agency`."""
    given, agency = agency, clean_name(agency)
    if not name_key(agency):
        raise DocgenError("--agency：请填写汇总机关的名称" + (f"（{EMPTY_NAME}）" if given.strip() else ""))
    return rollup_of(read_inputs(paths), agency, force)


def rollup_of(parts: list[Audit], agency: str, force: bool = False) -> Rollup:
    """Validate and sum checked inputs (loaded from files, or from the web portal's database)."""
    forced = validate(parts, agency, force)
    reports = [part.loaded.report for part in parts]
    summed = sum_reports(reports, agency)
    converted = len({_unit_of(a) for r in reports for a in _amounts(r)}) > 1
    return Rollup(summed, parts, forced, converted)


def sum_reports(reports: list[Report], agency: str) -> Report:
    """One report of `agency` whose every figure is the sum of the reports' (same edition and year).

    Counts add as integers (a negative 本年增/减 included), money adds exactly as Decimal; amounts
    written in the same unit keep it, amounts in different units are converted to 万元 first.
    """
    first = reports[0]
    spec = first.spec
    if any(r.edition != first.edition or r.year != first.year for r in reports):
        raise ValueError("reports of different editions or years cannot be summed")
    active: dict[str, dict] = {}
    for block, row in spec.active_rows:
        active[row.id] = {}
        for column in block.fields:
            values = [r.active_value(row.id, column.id) for r in reports]
            active[row.id][column.id] = _sum_amounts(values) if column.kind is Kind.AMOUNT else _sum_numbers(values)
    applications = {row.id: _sum_columns([r.row(row.id) for r in reports]) for row in spec.app_rows}
    reviews = {group.id: _sum_columns([r.review(group.id) for r in reports]) for group in spec.review_groups}
    return Report(
        edition=first.edition,
        agency=agency,
        year=first.year,
        overview=Overview(sections=[Section(title=topic) for topic in OVERVIEW_TOPICS]),
        active=active,
        applications=applications,
        reviews=reviews,
    )


def write_rollup(result: Rollup, yaml_target: Path | None, workbook_target: Path | None = None) -> list[Path]:
    """Write the roll-up input file and/or workbook: all of them or, on any failure, none."""
    targets = [t for t in (yaml_target, workbook_target) if t is not None]
    with ExitStack() as stack:
        temps = [stack.enter_context(atomic_path(t)) for t in targets]
        if yaml_target is not None:
            temps.pop(0).write_bytes(result.to_yaml().encode("utf-8"))
        if workbook_target is not None:
            from .workbook import write_rollup_xlsx

            write_rollup_xlsx(result, temps.pop(0))
    return targets


# -- validation ------------------------------------------------------------------------------
def _same_edition_and_year(parts: list[Audit]) -> None:
    keys = [(p.loaded.report.edition, p.loaded.report.year) for p in parts]
    counts = Counter(keys)
    if len(counts) == 1:
        return
    common, count = counts.most_common(1)[0]
    if count * 2 > len(keys):  # a strict majority is the norm; otherwise the first file is
        norm, whose = common, f"其他 {count} 个文件（如“{parts[keys.index(common)].file}”）"
    else:
        norm, whose = keys[0], f"第一个文件“{parts[0].file}”"
    problems = [
        Problem(part.file, None, "", f"为{_describe(key)}，而{whose}为{_describe(norm)}；只有同一格式版本、同一年度的报告才能汇总")
        for part, key in zip(parts, keys)
        if key != norm
    ]
    raise InputError(problems)


def _describe(key: tuple[int, int]) -> str:
    return f"{key[0]}版格式、{key[1]}年度"


def _distinct_agencies(parts: list[Audit], agency: str) -> None:
    seen: dict[str, Audit] = {}
    problems = []
    own = name_key(agency)
    for part in parts:
        name = part.loaded.report.agency
        key = name_key(name)
        if key == own:
            problems.append(
                Problem(
                    part.file,
                    None,
                    "",
                    f"报告机关“{name}”就是汇总机关本身（--agency），可能是上次汇总的结果；汇总结果不能再作为本级的输入",
                )
            )
        elif key in seen:
            problems.append(
                Problem(part.file, None, "", f"与“{seen[key].file}”是同一机关（{name}）的报告，不能重复汇总；请只保留其中一个")
            )
        else:
            seen[key] = part
    if problems:
        raise InputError(problems)


# -- summing ----------------------------------------------------------------------------------
def _sum_columns(rows: list[list[int]]) -> list[int]:
    return [sum(column) for column in zip(*rows)]


def _sum_numbers(values: list) -> int | Decimal:
    if all(isinstance(v, int) for v in values):
        return sum(values)
    total = Decimal(0)
    try:
        for value in values:
            total = _EXACT.add(total, Decimal(value))
    except decimal.DecimalException:  # only a figure beyond model.money_problem's bounds could
        raise DocgenError("汇总的金额超出范围（位数过多），请检查各输入文件的金额") from None
    return total


def _unit_of(amount: Amount) -> str:
    return YUAN if amount.unit == YUAN else WAN


def _amounts(report: Report) -> list[Amount]:
    out = []
    for block, row in report.spec.active_rows:
        out += [report.active_value(row.id, f.id) for f in block.fields if f.kind is Kind.AMOUNT]
    return out


def _sum_amounts(values: list[Amount]) -> Amount:
    units = {v.unit for v in values}
    if len(units) == 1:
        return Amount(value=_sum_numbers([v.value for v in values]), unit=units.pop())
    if {_unit_of(v) for v in values} == {WAN}:  # "" and "万元" both mean 万元
        return Amount(value=_sum_numbers([v.value for v in values]), unit=WAN)
    return Amount(value=_sum_numbers([v.wan for v in values]), unit=WAN)


def _importer():
    """`import_file(path)` of the workbook importer, or None when this installation has none."""
    try:
        from ..importers import import_file
    except ImportError:
        return None
    return import_file


__all__ = [
    "Rollup",
    "RollupRefused",
    "gather",
    "input_suffixes",
    "read_input",
    "read_inputs",
    "rollup",
    "rollup_of",
    "sum_reports",
    "validate",
    "write_rollup",
]
