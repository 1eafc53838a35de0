"""国办公开办函〔2019〕60号 《中华人民共和国政府信息公开工作年度报告格式（试行）》, report years 2019–2020."""

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
from .types import ActiveBlock, ActiveRow, AppRow, Carried, Edition, Field, Kind

_MADE = (
    Field("made", "本年新制作数量"),
    Field("published", "本年新公开数量"),
    Field("total", "对外公开总数量"),
)
_ITEMS = (
    Field("previous", "上一年项目数量"),
    Field("change", "本年增/减", Kind.CHANGE),
    Field("decisions", "处理决定数量"),
)

_RESULTS = RESULTS_BEFORE_OTHER + (
    AppRow(("other",), OTHER_LABEL),
)

EDITION = Edition(
    id=2019,
    document="国办公开办函〔2019〕60号",
    title="中华人民共和国政府信息公开工作年度报告格式（试行）",
    years="2019—2020年度",
    first_year=2019,
    last_year=2020,
    active_blocks=(
        ActiveBlock(
            "第二十条第（一）项",
            _MADE,
            (ActiveRow("regulations", "规章"), ActiveRow("normative_documents", "规范性文件")),
        ),
        ActiveBlock(
            "第二十条第（五）项",
            _ITEMS,
            (ActiveRow("licensing", "行政许可"), ActiveRow("other_services", "其他对外管理服务事项")),
        ),
        ActiveBlock(
            "第二十条第（六）项",
            _ITEMS,
            (ActiveRow("penalty", "行政处罚"), ActiveRow("coercion", "行政强制")),
        ),
        ActiveBlock("第二十条第（八）项", _ITEMS[:2], (ActiveRow("fees", "行政事业性收费"),)),
        ActiveBlock(
            "第二十条第（九）项",
            (Field("projects", "采购项目数量"), Field("amount", "采购总金额", Kind.AMOUNT)),
            (ActiveRow("procurement", "政府集中采购"),),
        ),
    ),
    applicants=APPLICANTS,
    intake_rows=INTAKE_ROWS,
    result_items=_RESULTS,
    carried_out=CARRIED_OUT,
    review_groups=REVIEW_GROUPS,
    review_results=REVIEW_RESULTS,
    rules=table_rules(_RESULTS),
    carried=(Carried("previous", ("previous", "change")),),  # 上一年项目数量 = last year's + 本年增/减
)
