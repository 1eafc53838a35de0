"""The portal's 汇总 (library level, SQLite and PostgreSQL): the sum is `docgen rollup`'s of the same
reports, cell for cell; the parts summed are recorded; a re-run keeps the county's narrative;
refusals say why; the drill-down of every figure adds up to the 汇总's value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import needs_soffice
from sqlalchemy import select
from support.county import COUNTY_NAME, add_agency, add_report, county_with_towns, set_state

from docgen.editions.grid import value_at
from docgen.report.load import load, load_text
from docgen.web import countyrollup, drilldown, formdoc
from docgen.web.portaldb import AGENCY, APPROVED, CITY, RETURNED, SUBMITTED, rollup_parts
from docgen.web.server import open_store
from docgen.web.service import Service, WebError

AUTHOR = "管理员（测试）"


@pytest.fixture
def sqlite_store(tmp_path):
    from docgen.web.store import sqlite_url

    store, _ = open_store(url=sqlite_url(tmp_path))
    yield store
    store.engine.dispose()


@pytest.fixture
def store(database_url):
    store, _ = open_store(url=database_url)
    yield store
    store.engine.dispose()


def cli_rollup(cli, tmp_path, texts: list[str], agency: str = COUNTY_NAME):
    folder = tmp_path / "parts"
    folder.mkdir(exist_ok=True)
    for i, text in enumerate(texts):
        (folder / f"{i:03d}.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "cli.yaml"
    result = cli("rollup", folder, "--agency", agency, "-o", out)
    assert result.code == 0, result.text
    return load(out).report


def assert_same_figures(got, want) -> int:
    paths = drilldown.figure_paths(want.spec)
    for path in paths:
        assert value_at(got, path) == value_at(want, path), path
    return len(paths)


def recorded(store, rollup_id):
    with store.engine.connect() as conn:
        rows = conn.execute(select(rollup_parts.c.report_id, rollup_parts.c.revision).where(rollup_parts.c.rollup_id == rollup_id))
        return sorted((r.report_id, r.revision) for r in rows)


def test_sum_equals_docgen_rollup_and_parts_are_recorded(store, cli, tmp_path):
    county_id, made = county_with_towns(store, 6, seed=11, approved=4)
    outcome = countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    assert outcome.created and outcome.revision == 1
    stored = store.get(outcome.report_id)
    assert (stored.agency_id, stored.year, stored.edition, stored.agency) == (county_id, 2022, 2021, COUNTY_NAME)
    county = load_text(stored.content, "x").report
    want = cli_rollup(cli, tmp_path, [text for _, _, text in made[:4]])
    assert assert_same_figures(county, want) > 150
    assert recorded(store, outcome.report_id) == sorted((report_id, 1) for _, report_id, _ in made[:4])
    assert [o.agency for o in outcome.outstanding] == [f"测试县第{i}镇人民政府" for i in (5, 6)]
    assert {o.state for o in outcome.outstanding} == {"草稿"}
    assert store.get(outcome.report_id).rollup and not store.get(made[0][1]).rollup  # Store.get tells a 汇总
    # the stored text is an input file `docgen check` passes
    path = tmp_path / "county.yaml"
    path.write_text(stored.content, encoding="utf-8")
    assert cli("check", path).code == 0


def test_rerun_updates_figures_and_keeps_the_narrative(store, cli, tmp_path):
    county_id, made = county_with_towns(store, 4, seed=5, approved=2)
    first = countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    service = Service(store)
    form = formdoc.values(service.checked(first.report_id).report)
    form["problems"] = "县级汇总：培训不足，明年加强。"
    form["overview.sections.0.text"] = "全县主动公开情况良好。"
    form["applications.received.0"] = "999999"  # a 汇总's figures cannot be typed over
    service.save(first.report_id, form, AUTHOR)
    after_edit = service.checked(first.report_id).report
    assert after_edit.problems == "县级汇总：培训不足，明年加强。"
    assert after_edit.row("received")[0] != 999999
    # two more approvals, one approved report revised and approved again
    for _, report_id, _ in made[2:]:
        set_state(store, report_id, APPROVED)
    again = countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    assert again.report_id == first.report_id and not again.created and again.revision == 3
    county = service.checked(first.report_id).report
    assert county.problems == "县级汇总：培训不足，明年加强。"
    assert county.overview.sections[0].text == "全县主动公开情况良好。"
    assert_same_figures(county, cli_rollup(cli, tmp_path, [text for _, _, text in made]))
    assert len(recorded(store, first.report_id)) == 4 and again.outstanding == []
    assert "新增" in store.revisions(first.report_id)[0].summary
    # nothing new: the same revision
    assert countyrollup.roll_up(store, county_id, 2022, AUTHOR).revision == 3


def test_refusals(store):
    county_id, made = county_with_towns(store, 2, seed=3, approved=0)
    with pytest.raises(WebError) as info:
        countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    assert "还没有已审核的报告" in info.value.message and info.value.status == 409
    assert [p.where for p in info.value.problems] == ["测试县第1镇人民政府", "测试县第2镇人民政府"]
    assert store.list() and all(r.agency_id != county_id for r in store.list())  # nothing stored
    with pytest.raises(WebError, match="没有下级机关"):
        countyrollup.roll_up(store, made[0][0], 2022, AUTHOR)
    with pytest.raises(WebError) as info:
        countyrollup.roll_up(store, 99999, 2022, AUTHOR)
    assert info.value.status == 404
    # a submitted 汇总 is not summed again
    set_state(store, made[0][1], APPROVED)
    outcome = countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    set_state(store, outcome.report_id, SUBMITTED)
    with pytest.raises(WebError, match="已报送上级"):
        countyrollup.roll_up(store, county_id, 2022, AUTHOR)


def test_two_agencies_with_one_report_name_are_refused_like_the_cli(store):
    county_id = add_agency(store, COUNTY_NAME, "县")
    import random

    from test_rollup import make_agency

    same = make_agency(random.Random(1), 2021, "某镇人民政府").yaml()
    for name in ("甲镇人民政府", "乙镇人民政府"):
        add_report(store, add_agency(store, name, AGENCY, county_id), same)
    with pytest.raises(WebError) as info:
        countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    assert "同一机关" in " ".join(p.what for p in info.value.problems)


def test_view_lists_who_is_left_out_and_what_changed(store):
    county_id, made = county_with_towns(store, 3, seed=8, approved=2)
    outcome = countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    set_state(store, made[1][1], RETURNED)
    set_state(store, made[2][1], APPROVED)
    view = countyrollup.view(store, outcome.report_id)
    assert [p.agency for p in view.parts] == ["测试县第1镇人民政府", "测试县第2镇人民政府"]
    assert "已不是已审核状态" in view.stale[made[1][1]]
    assert [(o.agency, o.state) for o in view.outstanding] == [("测试县第3镇人民政府", APPROVED)]
    assert "尚未汇总" in view.outstanding[0].note


def test_city_sums_approved_county_rollups_and_its_own_departments(store, cli, tmp_path):
    city_id = add_agency(store, "测试市人民政府", CITY)
    east, east_made = county_with_towns(store, 2, seed=21, county="东县人民政府", parent_id=city_id)
    west, _ = county_with_towns(store, 2, seed=22, county="西县人民政府", parent_id=city_id)
    import random

    from test_rollup import make_agency

    dept_text = make_agency(random.Random(23), 2021, "测试市财政局").yaml()
    add_report(store, add_agency(store, "测试市财政局", AGENCY, city_id), dept_text)
    east_rollup = countyrollup.roll_up(store, east, 2022, AUTHOR)
    countyrollup.roll_up(store, west, 2022, AUTHOR)  # a draft: not in the city's sum
    set_state(store, east_rollup.report_id, APPROVED)
    city = countyrollup.roll_up(store, city_id, 2022, AUTHOR)
    assert sorted(p.agency for p in city.parts) == ["东县人民政府", "测试市财政局"]
    assert [(o.agency, o.state) for o in city.outstanding] == [("西县人民政府", "草稿")]
    east_text = store.get(east_rollup.report_id).content
    want = cli_rollup(cli, tmp_path, [east_text, dept_text], "测试市人民政府")
    assert_same_figures(load_text(store.get(city.report_id).content, "x").report, want)
    # and the city's figure of a cell is the sum of the east county's towns and the department
    path = "applications.received.0"
    towns = sum(value_at(load_text(t, "x").report, path) for _, _, t in east_made)
    assert value_at(want, path) == towns + value_at(load_text(dept_text, "x").report, path)


def test_drill_down_adds_up_for_every_figure(store):
    county_id, made = county_with_towns(store, 5, seed=31)
    outcome = countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    county = load_text(store.get(outcome.report_id).content, "x").report
    parts = {report_id: load_text(text, "x").report for _, report_id, text in made}
    paths = drilldown.figure_paths(county.spec)
    assert "applications.total.6" in paths and "reviews.review.3" in paths
    for path in paths:
        drill = drilldown.drill(store, outcome.report_id, path)
        assert drill.agrees, path
        assert len(drill.lines) == 5
        assert {(line.report_id, line.value) for line in drill.lines} == {(i, value_at(r, path)) for i, r in parts.items()}
        total = sum((drilldown.magnitude(line.value) for line in drill.lines), Decimal(0))
        assert total == drilldown.magnitude(value_at(county, path)), path
        zeros = [line.zero for line in drill.lines]
        assert zeros == sorted(zeros), path  # non-zero first
    drill = drilldown.drill(store, outcome.report_id, "applications.received.0")
    assert drill.label == "表三 · 一、本年新收政府信息公开申请数量 · 自然人"
    assert drilldown.drill(store, outcome.report_id, "applications.total.6").label.endswith("· 总计")
    for bad in ("applications.received.9", "nothing", "../etc", ""):
        with pytest.raises(WebError) as info:
            drilldown.drill(store, outcome.report_id, bad)
        assert info.value.status == 404
    with pytest.raises(WebError):
        drilldown.drill(store, made[0][1], "applications.received.0")  # not a 汇总


def test_restoring_an_earlier_revision_of_a_rollup_keeps_its_figures(store):
    county_id, made = county_with_towns(store, 3, seed=41, approved=1)
    first = countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    service = Service(store)
    form = formdoc.values(service.checked(first.report_id).report)
    form["other_matters"] = "无。"
    service.save(first.report_id, form, AUTHOR)
    for _, report_id, _ in made:
        set_state(store, report_id, APPROVED)
    countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    summed = service.checked(first.report_id).report
    service.restore(first.report_id, 1, AUTHOR)  # the first revision: one part's figures, no narrative
    restored = service.checked(first.report_id).report
    assert restored.other_matters == ""
    assert_same_figures(restored, summed)


# -- downloads ---------------------------------------------------------------------------------------
def _docx_text(path):
    from docx import Document

    document = Document(path)
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]
    return [p.text for p in document.paragraphs], tables


def test_workbook_is_docgen_rollups(sqlite_store, cli, tmp_path):
    from openpyxl import load_workbook

    from docgen.web import rollupexport

    store = sqlite_store
    county_id, made = county_with_towns(store, 3, seed=51)
    outcome = countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    data, name = rollupexport.workbook(store, outcome.report_id)
    assert name == f"{COUNTY_NAME}2022年度汇总工作簿.xlsx"
    web = tmp_path / "web.xlsx"
    web.write_bytes(data)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, (_, _, text) in enumerate(made):
        (folder / f"{i}.yaml").write_text(text, encoding="utf-8")
    assert cli("rollup", folder, "--agency", COUNTY_NAME, "--workbook", tmp_path / "cli.xlsx").code == 0
    ours, theirs = load_workbook(web), load_workbook(tmp_path / "cli.xlsx")
    assert ours.sheetnames == theirs.sheetnames and len(ours.sheetnames) == 3 + 3
    for sheet in ours.sheetnames[1:]:  # 总览 names the input files, which differ
        mine = [[c.value for c in row] for row in ours[sheet].iter_rows()]
        assert mine == [[c.value for c in row] for row in theirs[sheet].iter_rows()], sheet
    formulas = [c.value for row in ours["汇总"].iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(formulas) > 100 and any("'第1镇'!" in f and "'第3镇'!" in f for f in formulas)


def test_zip_holds_every_agencys_files(sqlite_store, cli, tmp_path):
    import zipfile

    from docgen.web import rollupexport

    store = sqlite_store
    county_id, made = county_with_towns(store, 3, seed=61, approved=2)
    outcome = countyrollup.roll_up(store, county_id, 2022, AUTHOR)
    path, name, notes = rollupexport.parts_zip(store, outcome.report_id, tmp_path / "zip", pdf=False)
    assert name == f"{COUNTY_NAME}2022年度汇总_各机关报告.zip"
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        stems = [f"测试县第{i}镇人民政府2022年度报告" for i in (1, 2)]
        assert names == sorted([f"{s}.{ext}" for s in stems for ext in ("docx", "xlsx")] + [rollupexport.NOTE_NAME])
        archive.extractall(tmp_path / "out")
    assert "第 1 版" in archive_note(tmp_path / "out") and len(notes) == 4
    # each .docx is what `docgen render` makes of that agency's report
    for i, stem in enumerate(stems):
        source = tmp_path / f"{stem}.yaml"
        source.write_text(made[i][2], encoding="utf-8")
        assert cli("render", source, "-o", tmp_path / "cli", "--formats", "docx").code == 0
        assert _docx_text(tmp_path / "out" / f"{stem}.docx") == _docx_text(tmp_path / "cli" / f"{stem}.docx")


@needs_soffice
def test_zip_has_the_pdfs_when_libreoffice_is_there(sqlite_store, tmp_path):
    import zipfile

    from docgen.office import pdf_text
    from docgen.web import rollupexport

    county_id, _ = county_with_towns(sqlite_store, 2, seed=62)
    outcome = countyrollup.roll_up(sqlite_store, county_id, 2022, AUTHOR)
    path, _, _ = rollupexport.parts_zip(sqlite_store, outcome.report_id, tmp_path / "zip", pdf=True)
    with zipfile.ZipFile(path) as archive:
        pdfs = sorted(n for n in archive.namelist() if n.endswith(".pdf"))
        assert pdfs == [f"测试县第{i}镇人民政府2022年度报告.pdf" for i in (1, 2)]
        archive.extractall(tmp_path / "out")
    for i, name in enumerate(pdfs, 1):
        assert f"测试县第{i}镇人民政府" in pdf_text(tmp_path / "out" / name).replace(" ", "")


def archive_note(folder) -> str:
    from docgen.web import rollupexport

    return (folder / rollupexport.NOTE_NAME).read_text(encoding="utf-8")
