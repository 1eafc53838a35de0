"""国办公开办函〔2021〕30号 《中华人民共和国政府信息公开工作年度报告格式》, report years 2021 onward."""

from .common import (
    APPLICANTS,
    CARRIED_OUT,
    INTAKE_ROWS,
    OTHER_LABEL,
    RESULTS_BEFORE_OTHER,
    REVIEW_GROUPS,
    REVIEW_RESULTS,
    table_rules,
)
from .types import TABLE_2, ActiveBlock, ActiveRow, AppGroup, AppRow, Carried, Edition, Field, Kind, Rule

_DOCS = (
    Field("issued", "本年制发件数"),
    Field("repealed", "本年废止件数"),
    Field("in_force", "现行有效件数"),
)
_DECISIONS = (Field("decisions", "本年处理决定数量"),)

_RESULTS = RESULTS_BEFORE_OTHER + (
    AppGroup(
        "other",
        OTHER_LABEL,
        (
            AppRow(
                ("other", "no_correction"),
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                ("申请人无正当理由逾期不补正",),
            ),
            AppRow(
                ("other", "fee_unpaid"),
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                ("申请人逾期未按收费通知要求缴纳费用",),
            ),
            AppRow(("other", "other"), "3.其他"),
        ),
    ),
)

EDITION = Edition(
    id=2021,
    document="国办公开办函〔2021〕30号",
    title="中华人民共和国政府信息公开工作年度报告格式",
    years="2021年度起",
    first_year=2021,
    last_year=None,
    active_blocks=(
        ActiveBlock(
            "第二十条第（一）项",
            _DOCS,
            (
                ActiveRow("regulations", "规章"),
                ActiveRow("normative_documents", "行政规范性文件", ("规范性文件",)),
            ),
        ),
        ActiveBlock("第二十条第（五）项", _DECISIONS, (ActiveRow("licensing", "行政许可", scalar=True),)),
        ActiveBlock(
            "第二十条第（六）项",
            _DECISIONS,
            (ActiveRow("penalty", "行政处罚", scalar=True), ActiveRow("coercion", "行政强制", scalar=True)),
        ),
        ActiveBlock(
            "第二十条第（八）项",
            (Field("amount", "本年收费金额（单位：万元）", Kind.MONEY),),
            (ActiveRow("fees", "行政事业性收费", scalar=True),),
        ),
    ),
    applicants=APPLICANTS,
    intake_rows=INTAKE_ROWS,
    result_items=_RESULTS,
    carried_out=CARRIED_OUT,
    review_groups=REVIEW_GROUPS,
    review_results=REVIEW_RESULTS,
    rules=table_rules(_RESULTS)
    + (Rule("R6", "warning", TABLE_2, "跨年度：现行有效件数 = 上年度现行有效件数 + 本年制发件数 - 本年废止件数"),),
    carried=(Carried("in_force", ("in_force",), added="issued", removed="repealed", rule="R6"),),
    overview_limit=1000,
    other_matters_default="本年度未收取信息处理费。",
)
