"""The loader: every kind of input problem, aliases, exact money, all problems at once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import EXAMPLE_2021, SEED_2019, minimal
from docgen.editions import EDITIONS
from docgen.errors import InputError
from docgen.report.load import load
from docgen.report.model import Amount


def problems_of(path) -> list[str]:
    with pytest.raises(InputError) as info:
        load(path)
    return [str(p) for p in info.value.problems]


def one_problem(path) -> str:
    found = problems_of(path)
    assert len(found) == 1, found
    return found[0]


def test_examples_load():
    seed = load(SEED_2019).report
    assert (seed.edition, seed.year, seed.agency) == (2019, 2020, "乳山市乳山口镇人民政府")
    assert [s.title for s in seed.overview.sections][:2] == ["主动公开", "依申请公开"]
    example = load(EXAMPLE_2021).report
    assert example.edition == 2021 and example.row("received")[0] > 0


def test_rows_left_out_are_zero(write):
    report = load(write("a.yaml", minimal())).report
    spec = report.spec
    assert all(report.row(r.id) == [0] * 6 for r in spec.app_rows)
    assert all(report.review(g.id) == [0] * 4 for g in spec.review_groups)
    assert report.active_value("fees", "amount") == Decimal(0)


def test_money_is_exact(write):
    path = write("a.yaml", minimal(2021, active="active:\n  fees: 4166.241619"))
    value = load(path).report.active_value("fees", "amount")
    assert isinstance(value, Decimal) and str(value) == "4166.241619"


@pytest.mark.parametrize("written, value, unit", [("251000元", "251000", "元"), ("25.1万元", "25.1", "万元"), ("25.10", "25.10", "")])
def test_procurement_amount_keeps_unit(write, written, value, unit):
    path = write("a.yaml", minimal(2019, active=f"active:\n  procurement: {{projects: 2, amount: {written}}}"))
    amount = load(path).report.active_value("procurement", "amount")
    assert amount == Amount(value=Decimal(value), unit=unit) and amount.text == written


def test_chinese_labels_are_aliases(write):
    text = minimal(
        2021,
        a="""
        收到和处理政府信息公开申请情况:
          本年新收政府信息公开申请数量: [3, 0, 0, 0, 0, 1]
          （一）予以公开: [2, 0, 0, 0, 0, 1]
          部分公开: {自然人: 1}
          不予公开:
            属于国家秘密: [0, 0, 0, 0, 0, 0]
        主动公开政府信息情况:
          规范性文件: {本年制发件数: 2, 现行有效件数: 9}
          行政许可: 5
        行政复议、行政诉讼: {}
        """,
    ).replace("行政复议、行政诉讼: {}\n", "")
    report = load(write("a.yaml", text)).report
    assert report.row("received") == [3, 0, 0, 0, 0, 1]
    assert report.row("granted") == [2, 0, 0, 0, 0, 1]
    assert report.row("partly_granted") == [1, 0, 0, 0, 0, 0]
    assert report.active_value("normative_documents", "issued") == 2
    assert report.active_value("licensing", "decisions") == 5


CASES = [
    # (description, edition, yaml block, expected fragment of the single message)
    ("text in a count", 2021, "applications:\n  received: [五, 0, 0, 0, 0, 0]", "表三 · 一、本年新收政府信息公开申请数量 · 自然人：应为非负整数，实际为“五”"),
    ("negative count", 2021, "applications:\n  received: [0, -1, 0, 0, 0, 0]", "商业企业：应为非负整数，实际为“-1”（负数）"),
    ("float count", 2021, "applications:\n  received: [1.5, 0, 0, 0, 0, 0]", "自然人：应为非负整数，实际为“1.5”（小数）"),
    ("bool count", 2021, "active:\n  licensing: true", "表二 · 第二十条第（五）项 · 行政许可：应为非负整数，实际为“true”（是/否）"),
    ("quoted count", 2021, "reviews:\n  review: ['1', 0, 0, 0]", "表四 · 行政复议 · 结果维持：应为非负整数，实际为“1”（加了引号的文字）"),
    ("empty cell", 2021, "applications:\n  received: [null, 0, 0, 0, 0, 0]", "自然人：应为非负整数，实际为空"),
    ("short row", 2021, "applications:\n  received: [0, 0, 0, 0, 0]", "应为6个数（自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他），实际为5个"),
    ("total typed in row", 2021, "applications:\n  received: [0, 0, 0, 0, 0, 0, 0]", "实际为7个；总计由程序计算"),
    ("row is not a list", 2021, "applications:\n  received: 5", "应为6个数的列表"),
    ("review wrong length", 2021, "reviews:\n  review: [0, 0, 0]", "表四 · 行政复议：应为4个数"),
    ("unknown key suggestion", 2021, "applications:\n  recieved: [0, 0, 0, 0, 0, 0]", "表三：未知的键“recieved”，是否应为“received”（一、本年新收政府信息公开申请数量）？"),
    ("unknown top key", 2021, "agnecy2: x", "未知的键“agnecy2”，是否应为“agency”（报告机关）？"),
    ("typed total row", 2021, "applications:\n  （七）总计: [0, 0, 0, 0, 0, 0]", "“（七）总计”由程序根据各项数字自动计算，不需要填写"),
    ("2019 key in 2021 file", 2021, "active:\n  regulations: {made: 1}", "“made”（本年新制作数量）属于2019版格式，本文件为2021版格式"),
    ("2021 key in 2019 file", 2019, "active:\n  regulations: {issued: 1}", "“issued”（本年制发件数）属于2021版格式，本文件为2019版格式"),
    ("2021 other group in 2019", 2019, "applications:\n  other: {other: [0, 0, 0, 0, 0, 0]}", "2019版格式中“（六）其他处理”只有一行"),
    ("2019 other row in 2021", 2021, "applications:\n  other: [0, 0, 0, 0, 0, 0]", "2021版格式中“（六）其他处理”分为各分项"),
    ("2019 row in 2021", 2021, "active:\n  procurement: {projects: 1}", "“procurement”（政府集中采购）属于2019版格式"),
    ("negative money", 2021, "active:\n  fees: -3", "表二 · 第二十条第（八）项 · 行政事业性收费：金额不能为负数"),
    ("money in yuan for 万元 column", 2021, "active:\n  fees: 1200元", "单位应为万元"),
    ("text money", 2021, "active:\n  fees: 很多", "应为金额（单位：万元，可带小数），实际为“很多”"),
    ("bad amount", 2019, "active:\n  procurement: {amount: 12美元}", "表二 · 第二十条第（九）项 · 政府集中采购 · 采购总金额：应为金额"),
    ("change may be negative, previous not", 2019, "active:\n  licensing: {previous: -2, change: -3}", "上一年项目数量：应为非负整数，实际为“-2”（负数）"),
    ("bad date", 2021, "date: 2026-02-30", "成文日期：应为日期"),
    ("narrative not text", 2021, "problems: [a, b]", "五、存在的主要问题及改进情况：应为一段文字，实际为一个列表"),
    ("section without title", 2021, "overview:\n  sections:\n    - text: 正文", "缺少小节标题“title”（标题）"),
    ("table is a list", 2021, "applications: [1, 2]", "表三：应为一组“键: 值”，实际为一个列表"),
    ("merge key", 2021, "applications:\n  <<: {received: [0,0,0,0,0,0]}", "不支持 YAML 合并键"),
]


@pytest.mark.parametrize("name, edition, block, expected", CASES, ids=[c[0] for c in CASES])
def test_each_problem_kind(write, name, edition, block, expected):
    path = write("bad.yaml", minimal(edition, x=block))
    message = one_problem(path)
    assert expected in message
    assert message.startswith(f"{path}:"), message
    line = int(message.split(":")[1])
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].strip(), "line number points at content"


def test_missing_required(write):
    found = problems_of(write("a.yaml", "edition: 2021\n"))
    assert any("缺少必填项“agency”（报告机关）" in p for p in found)
    assert any("缺少必填项“year”（报告年度）" in p for p in found)


def test_duplicate_keys_name_both_lines(write):
    path = write("a.yaml", minimal(2021, a="applications:\n  received: [1,0,0,0,0,0]\n  本年新收政府信息公开申请数量: [2,0,0,0,0,0]"))
    message = one_problem(path)
    assert "重复填写：第 5 行已填写过这一项" in message and message.startswith(f"{path}:6:")


def test_all_problems_reported_at_once(write):
    path = write(
        "a.yaml",
        minimal(2021, a="applications:\n  received: [x, 0, 0, 0, 0, 0]\n  granted: [0, 0, 0, 0, 0]\nreviews:\n  review: [y, 0, 0, 0]"),
    )
    found = problems_of(path)
    assert len(found) == 3
    assert [int(p.split(":")[1]) for p in found] == [5, 6, 8]


def test_unknown_edition(write):
    message = one_problem(write("a.yaml", "edition: 2017\nagency: x\nyear: 2025\n"))
    assert "不认识的格式版本“2017”" in message and "国办公开办函〔2021〕30号" in message


def test_edition_inferred_from_year(write):
    assert load(write("a.yaml", "agency: x\nyear: 2020\n")).report.edition == 2019
    assert load(write("b.yaml", "agency: x\nyear: 2024\n")).report.edition == 2021


def test_edition_year_mismatch_warns(write):
    loaded = load(write("a.yaml", "edition: 2019\nagency: x\nyear: 2024\n"))
    assert any("2024年度的报告通常使用2021版格式" in str(w) for w in loaded.warnings)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "文件为空"),
        ("- a\n- b\n", "文件内容应为一组“键: 值”"),
        ("agency: [x\n", "YAML 格式错误"),
        ("edition: 2021\n\tagency: x\n", "YAML 格式错误"),
        ("!!python/object/apply:os.system ['echo hi']\n", "不支持 YAML 标签"),
        ("agency: !!python/name:os.system x\n", "不支持 YAML 标签"),
        ("a: 1\n---\nb: 2\n", "只能有一份报告"),
    ],
)
def test_unusable_files(write, text, expected):
    assert expected in one_problem(write("a.yaml", text))


def test_alias_bomb_is_refused(write):
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 9) + "]")
    assert "引用（&锚点/*别名）展开后内容过多" in one_problem(write("bomb.yaml", "\n".join(lines) + "\n"))


def test_oversized_file(write):
    assert "文件过大" in one_problem(write("big.yaml", "problems: |\n" + ("  很长的文字。\n" * 200_000)))


def test_missing_file_and_folder(tmp_path):
    assert "文件不存在" in one_problem(tmp_path / "none.yaml")
    assert "是一个文件夹" in one_problem(tmp_path)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-16"])
def test_encodings_clerks_produce(write, encoding):
    path = write("a.yaml", minimal(2021, a="applications:\n  received: [1, 0, 0, 0, 0, 0]\n  granted: [1, 0, 0, 0, 0, 0]"), encoding=encoding)
    report = load(path).report
    assert report.agency == "测试县人民政府" and report.row("received")[0] == 1


def test_binary_file(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"PK\x03\x04\x00\x00binary\x00\xff\xfe\x00")
    assert "不是文本文件" in one_problem(path)


def test_control_characters_removed_with_warning(write):
    loaded = load(write("a.yaml", minimal(2021, a='problems: "问题\\x0b一\\x01"')))
    assert loaded.report.problems == "问题一"
    assert any("控制字符" in str(w) and "\\x0b" in str(w) for w in loaded.warnings)


def test_template_looking_text_is_kept(write):
    loaded = load(write("a.yaml", minimal(2021, a='problems: "研发&创新<中心>{{ 7*7 }}{% if x %}"')))
    assert loaded.report.problems == "研发&创新<中心>{{ 7*7 }}{% if x %}"


def test_every_official_label_is_an_alias():
    """Each row and column label of both editions resolves to its id (spec-derived)."""
    from docgen.report.load import load_text

    for edition in EDITIONS.values():
        lines = [f"edition: {edition.id}", "agency: x", f"year: {edition.first_year}", "applications:"]
        for item in edition.intake_rows + edition.result_items + (edition.carried_out,):
            if hasattr(item, "rows"):
                lines.append(f"  {item.label}:")
                lines += [f"    {row.label}: [1, 0, 0, 0, 0, 0]" for row in item.rows]
            else:
                lines.append(f"  {item.label}: [1, 0, 0, 0, 0, 0]")
        report = load_text("\n".join(lines) + "\n", "x.yaml").report
        assert all(report.row(r.id) == [1, 0, 0, 0, 0, 0] for r in edition.app_rows)
