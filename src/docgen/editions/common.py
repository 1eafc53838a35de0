"""The parts of the format both editions share: table 三 (less its （六）), table 四, the sections,
the rules R1–R4 and the report's title matter."""

from __future__ import annotations

from .types import (
    PER_COLUMN,
    PER_ROW,
    TOTAL,
    LITIGATION_HEADER,
    REVIEW_HEADER,
    TABLE_3,
    TABLE_4,
    Applicant,
    AppGroup,
    AppRow,
    Field,
    Narrative,
    ReviewGroup,
    Rule,
)

SECTIONS = (
    ("overview", "一、总体情况"),
    ("active", "二、主动公开政府信息情况"),
    ("applications", "三、收到和处理政府信息公开申请情况"),
    ("reviews", "四、政府信息公开行政复议、行政诉讼情况"),
    ("problems", "五、存在的主要问题及改进情况"),
    ("other_matters", "六、其他需要报告的事项"),
)
SECTION_LABELS = dict(SECTIONS)

# Top-level keys of the input file that are not tables.
NARRATIVES = (
    Narrative("title", "标题", ("报告标题",)),
    Narrative("preamble", "前言", ("导语", "引言")),
    Narrative("overview", SECTION_LABELS["overview"], ("总体情况",)),
    Narrative("problems", SECTION_LABELS["problems"], ("存在的主要问题及改进情况",)),
    Narrative("other_matters", SECTION_LABELS["other_matters"], ("其他需要报告的事项",)),
)
HEADER_KEYS = {
    "edition": ("格式版本", ("版本", "格式")),
    "agency": ("报告机关", ("机关", "单位", "机关名称")),
    "year": ("报告年度", ("年度",)),
    "date": ("成文日期", ("日期",)),
}

APPLICANTS = (
    Applicant("natural_person", "自然人", False),
    Applicant("commercial", "商业企业", True),
    Applicant("research", "科研机构", True),
    Applicant("public_interest", "社会公益组织", True),
    Applicant("legal_services", "法律服务机构", True),
    Applicant("other", "其他", True),
)

INTAKE_ROWS = (
    AppRow(("received",), "一、本年新收政府信息公开申请数量", short="一、本年新收"),
    AppRow(("carried_in",), "二、上年结转政府信息公开申请数量", short="二、上年结转"),
)
CARRIED_OUT = AppRow(("carried_out",), "四、结转下年度继续办理")

GRANTED = AppRow(("granted",), "（一）予以公开")
PARTLY_GRANTED = AppRow(
    ("partly_granted",), "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ("部分公开",)
)
REFUSED = AppGroup(
    "refused",
    "（三）不予公开",
    (
        AppRow(("refused", "state_secret"), "1.属于国家秘密"),
        AppRow(("refused", "prohibited_by_law"), "2.其他法律行政法规禁止公开"),
        AppRow(("refused", "three_safeties"), "3.危及“三安全一稳定”"),
        AppRow(("refused", "third_party"), "4.保护第三方合法权益"),
        AppRow(("refused", "internal_affairs"), "5.属于三类内部事务信息"),
        AppRow(("refused", "process_info"), "6.属于四类过程性信息"),
        AppRow(("refused", "enforcement_files"), "7.属于行政执法案卷"),
        AppRow(("refused", "inquiry"), "8.属于行政查询事项"),
    ),
)
UNABLE = AppGroup(
    "unable",
    "（四）无法提供",
    (
        AppRow(("unable", "not_held"), "1.本机关不掌握相关政府信息"),
        AppRow(("unable", "needs_creation"), "2.没有现成信息需要另行制作"),
        AppRow(("unable", "unclear"), "3.补正后申请内容仍不明确"),
    ),
)
NOT_PROCESSED = AppGroup(
    "not_processed",
    "（五）不予处理",
    (
        AppRow(("not_processed", "petition"), "1.信访举报投诉类申请"),
        AppRow(("not_processed", "duplicate"), "2.重复申请"),
        AppRow(("not_processed", "publication"), "3.要求提供公开出版物"),
        AppRow(("not_processed", "excessive"), "4.无正当理由大量反复申请"),
        AppRow(("not_processed", "confirmation"), "5.要求行政机关确认或重新出具已获取信息"),
    ),
)
OTHER_LABEL = "（六）其他处理"
RESULTS_BEFORE_OTHER = (GRANTED, PARTLY_GRANTED, REFUSED, UNABLE, NOT_PROCESSED)  # （一）–（五）

REVIEW_GROUPS = (
    ReviewGroup("review", REVIEW_HEADER),
    ReviewGroup("litigation_direct", "未经复议直接起诉", LITIGATION_HEADER),
    ReviewGroup("litigation_after_review", "复议后起诉", LITIGATION_HEADER),
)
REVIEW_RESULTS = (
    Field("upheld", "结果维持"),
    Field("corrected", "结果纠正"),
    Field("other", "其他结果"),
    Field("pending", "尚未审结"),
)


def table_rules(
    result_items: tuple[AppRow | AppGroup, ...] ,
    applicants: tuple[Applicant, ...] = APPLICANTS,
    review_results: tuple[Field, ...] = REVIEW_RESULTS,
) -> tuple[Rule, ...]:
    """Rules R1–R5 as equations over an edition's rows and columns (R5 across years)."""
    return (
        Rule(
            "R1", "error", TABLE_3, "每列：一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理",
            per=PER_COLUMN,
            left=tuple(r.id for r in INTAKE_ROWS),
            right=(TOTAL, CARRIED_OUT.id),
            note="（第一项加第二项之和应等于第三项加第四项之和）",
        ),
        Rule(
            "R2", "error", TABLE_3, "每列：（七）总计 = （一）至（六）各项之和",
            per=PER_COLUMN,
            left=(TOTAL,),
            right=tuple(item.id for item in result_items),
            right_text="（一）至（六）各项之和",
        ),
        Rule(
            "R3", "error", TABLE_3, "每行：总计 = 自然人 + 法人或其他组织各列之和",
            per=PER_ROW, left=(TOTAL,), right=tuple(a.id for a in applicants),
        ),
        Rule(
            "R4", "error", TABLE_4, "每组：结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计",
            per=PER_ROW, left=(TOTAL,), right=tuple(f.id for f in review_results),
        ),
        Rule(
            "R5", "error", TABLE_3, "跨年度，每列：二、上年结转 = 上年度报告的四、结转下年度继续办理",
            per=PER_COLUMN, left=(INTAKE_ROWS[1].id,), right=(CARRIED_OUT.id,), previous_year=True,
            note="（上年结转应等于上年度结转下年度继续办理的件数）",
        ),
    )
