"""`docgen serve` storage and operations, on SQLite and on a throwaway PostgreSQL: the web does
what the CLI does (init, check, import, rollover) with the same code and the same words."""

from __future__ import annotations

import threading
import zipfile

import pytest
from conftest import EXAMPLE_2021, SEED_2019

from docgen.report.load import load, load_text
from docgen.web import formdoc
from docgen.web.server import open_store
from docgen.web.service import Service, WebError

AUTHOR = "测试"


@pytest.fixture
def service(database_url):
    store, _ = open_store(url=database_url)
    yield Service(store)
    store.engine.dispose()


def _messages(checked) -> list[str]:
    return [text for _, _, text, _ in checked.messages]


def _cli_messages(result) -> list[str]:
    """`docgen check` lines without the leading "file:line: " (the web has no file)."""
    out = []
    for line in (result.out + result.err).splitlines():
        head, sep, rest = line.partition(": ")
        if sep:  # not the summary line ("file：verdict")
            out.append(rest.removeprefix("警告："))
    return out


def test_new_report_is_inits_skeleton(service, cli, tmp_path):
    report_id = service.new("测试镇人民政府", "２０２５", AUTHOR)  # full-width digits accepted
    target = tmp_path / "init.yaml"
    assert cli("init", "-o", target, "--agency", "测试镇人民政府", "--year", "2025").code == 0
    stored = service.stored(report_id)
    assert stored.content == target.read_text(encoding="utf-8")
    assert (stored.year, stored.edition) == (2025, 2021) and stored.status.startswith("通过")  # warnings: text still to write
    assert service.new("旧年度镇", "2020", AUTHOR) and service.store.list()[-1].edition == 2019


@pytest.mark.parametrize(
    "agency, year, fragment",
    [("", "2025", "请填写报告机关名称"), ("某镇", "二〇二五", "应为四位年份"), ("某镇", "1999", "应为四位年份"), ("某" * 101, "2025", "机关名称过长")],
)
def test_new_report_refusals(service, agency, year, fragment):
    with pytest.raises(WebError) as info:
        service.new(agency, year, AUTHOR)
    assert any(fragment in p.what for p in info.value.problems)
    assert service.store.list() == []


def test_save_stores_a_revision_and_checks_like_the_cli(service, cli, tmp_path):
    report_id = service.new("测试镇人民政府", "2025", AUTHOR)
    form = formdoc.values(load_text(service.stored(report_id).content, "x").report)
    form["applications.received.0"] = "５"  # full-width
    checked = service.save(report_id, form, AUTHOR)
    assert checked.revision == 2 and checked.report.row("received")[0] == 5
    assert checked.status.startswith("数字不一致")
    # the same file through `docgen check`: the same messages, word for word
    path = tmp_path / "same.yaml"
    path.write_text(service.stored(report_id).content, encoding="utf-8")
    result = cli("check", path)
    assert result.code == 1
    assert sorted(_messages(checked)) == sorted(_cli_messages(result))
    assert sum(1 for m in checked.messages if m[0] == "R1") == 2  # 自然人 and 总计 columns
    # nothing changed: no new revision
    assert service.save(report_id, form, AUTHOR).revision == 2
    # fixed: the finding clears
    form["applications.granted.0"] = "5"
    fixed = service.save(report_id, form, AUTHOR)
    assert fixed.revision == 3 and fixed.status.startswith("通过") and not [m for m in fixed.messages if m[1] == "error"]
    history = service.store.revisions(report_id)
    assert [r.number for r in history] == [3, 2, 1]
    assert "一、本年新收政府信息公开申请数量 · 自然人：0 → 5" in history[1].summary


@pytest.mark.parametrize(
    "value, cli_value",
    [("三", "三"), ("-2", "-2"), ("1.5", "1.5"), ("", None)],
)
def test_bad_cell_is_refused_with_the_clis_words_and_not_stored(service, cli, write, value, cli_value):
    report_id = service.new("测试镇人民政府", "2025", AUTHOR)
    before = service.stored(report_id).content
    form = formdoc.values(load_text(before, "x").report)
    form["applications.received.1"] = value
    form["reviews.review.0"] = "4"  # a good change beside the bad one is kept
    checked = service.save(report_id, form, AUTHOR)
    assert list(checked.refused) == ["applications.received.1"]
    assert checked.error_cells == ["applications.received.1"]
    stored = load_text(service.stored(report_id).content, "x").report
    assert stored.row("received")[1] == 0 and stored.review("review")[0] == 4
    shown = "null" if cli_value is None else cli_value
    path = write("bad.yaml", f"edition: 2021\nagency: 某镇\nyear: 2025\napplications:\n  received: [0, {shown}, 0, 0, 0, 0]\n")
    result = cli("check", path)
    assert result.code == 2
    [web] = [text for rule, _, text, _ in checked.messages if rule == "输入"]
    assert web in _cli_messages(result)


def test_narrative_and_sections_round_trip(service):
    report_id = service.new("测试镇人民政府", "2025", AUTHOR)
    form = formdoc.values(load_text(service.stored(report_id).content, "x").report)
    form = {k: v for k, v in form.items() if not k.startswith("overview.sections.")}
    text = '第一段<script>alert("x")</script> & {{ 模板 }}\n\n第二段：政务公开。'
    form |= {"overview.sections": "2", "overview.sections.0.title": "依申请公开", "overview.sections.0.text": text,
             "overview.sections.1.title": "主动公开", "overview.sections.1.text": "新内容", "problems": "问题\n\n改进"}
    checked = service.save(report_id, form, AUTHOR)
    report = checked.report
    assert [s.title for s in report.overview.sections] == ["依申请公开", "主动公开"]
    assert report.overview.sections[0].text == text and report.problems == "问题\n\n改进"
    assert load_text(service.stored(report_id).content, "x").report == report


def test_restore_delete_undelete(service):
    report_id = service.new("测试镇人民政府", "2025", AUTHOR)
    form = formdoc.values(load_text(service.stored(report_id).content, "x").report)
    form["active.licensing"] = "12"
    service.save(report_id, form, AUTHOR)
    assert service.restore(report_id, 1, AUTHOR) == 3
    assert load_text(service.stored(report_id).content, "x").report.active_value("licensing", "decisions") == 0
    assert service.store.revisions(report_id)[0].summary == "恢复到第 1 版"
    assert service.store.delete(report_id)
    assert service.store.list() == [] and [r.id for r in service.store.list(deleted=True)] == [report_id]
    with pytest.raises(WebError):
        service.checked(report_id)
    assert service.store.undelete(report_id) and service.checked(report_id).revision == 3


def test_rollover_is_the_clis(service, cli, tmp_path):
    text = SEED_2019.read_text(encoding="utf-8")
    report_id = service._create(text, "测试", AUTHOR)
    new_id, notes = service.rollover(report_id, AUTHOR)
    target = tmp_path / "next.yaml"
    assert cli("rollover", SEED_2019, "-o", target).code == 0
    assert load_text(service.stored(new_id).content, "x").report == load(target).report
    assert service.stored(new_id).previous_id == report_id
    checked = service.checked(new_id)  # linked to last year: R5 runs and passes, drafts are flagged
    assert "R5" not in {m[0] for m in checked.messages}
    assert any(m[0] == "草稿" or "草稿" in m[2] for m in checked.messages)


def test_import_is_the_clis(service, cli, tmp_path):
    docx = tmp_path / "out" / "example-2021.docx"
    assert cli("render", EXAMPLE_2021, "-o", tmp_path / "out", "--formats", "docx").code == 0
    report_id, _ = service.import_upload("example-2021.docx", docx.read_bytes(), AUTHOR)
    target = tmp_path / "imported.yaml"
    assert cli("import", docx, "-o", target).code == 0
    assert load_text(service.stored(report_id).content, "x").report == load(target).report == load(EXAMPLE_2021).report


def _zip(members: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    b"<w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
)


@pytest.mark.parametrize(
    "name, data, fragment",
    [
        ("bomb.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w>" + b"0" * (20 * 1024 * 1024) + b"</w>"}), "压缩炸弹"),
        ("renamed.docx", b"%PDF-1.7\n" + b"0" * 100, "PDF 文件"),
        ("xxe.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": XXE}), "无法作为年度报告导入"),
        ("empty.txt", b"", "无法作为年度报告导入"),
    ],
)
def test_hostile_uploads_are_refused_and_nothing_stored(service, name, data, fragment):
    with pytest.raises(WebError) as info:
        service.import_upload(name, data, AUTHOR)
    text = info.value.message + "".join(p.what for p in info.value.problems)
    assert fragment in text and "root:" not in text
    assert service.store.list() == []


def test_oversized_upload_is_refused(service):
    from docgen.importers import MAX_IMPORT_BYTES

    with pytest.raises(WebError, match="文件过大"):
        service.import_upload("big.txt", b" " * (MAX_IMPORT_BYTES + 1), AUTHOR)


def test_concurrent_saves_lose_nothing(service):
    ids = [service.new(f"第{i}镇", "2025", AUTHOR) for i in range(6)]
    base = {i: formdoc.values(load_text(service.stored(i).content, "x").report) for i in ids}
    errors = []

    def typist(report_id: int, column: int) -> None:
        try:
            for n in range(1, 9):
                form = dict(base[report_id])
                form[f"applications.received.{column}"] = str(n)
                service.save(report_id, form, AUTHOR)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=typist, args=(i, 0)) for i in ids] + [threading.Thread(target=typist, args=(ids[0], 0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for report_id in ids:
        numbers = [r.number for r in service.store.revisions(report_id)]
        assert numbers == list(range(len(numbers), 0, -1))  # contiguous, no duplicate
        assert load_text(service.stored(report_id).content, "x").report.row("received")[0] == 8


def test_migrations_run_again_on_start(database_url):
    first, _ = open_store(url=database_url)
    report_id = Service(first).new("测试镇人民政府", "2025", AUTHOR)
    first.engine.dispose()
    second, _ = open_store(url=database_url)
    assert second.get(report_id).agency == "测试镇人民政府" and second.integrity() == "ok"
    second.engine.dispose()


def test_migrations_make_exactly_the_tables_the_code_queries(database_url):
    """Alembic's migrations and the Table objects (store, portaldb) describe the same schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from docgen.web.store import metadata

    store, _ = open_store(url=database_url)
    try:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        from docgen.web import portaldb

        assert {"agencies", "users", "sessions", "audit_events", "rollup_parts"} <= set(metadata.tables)
        assert portaldb.STATES[0] == "未开始"
    finally:
        store.engine.dispose()
