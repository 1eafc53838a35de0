"""The 汇总 pages of the portal, per role (SQLite and PostgreSQL): the 管理员 rolls up, the 审核人
views and downloads, a 填报人 gets 404; refusals in Chinese; the 汇总 report's editor has its
figures as links to their drill-down and keeps them when a form sends other values."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import select, update
from support.county import add_agency, set_state
from support.portal import AGENCY_A, AGENCY_B, portal_app
from support.portal import YEAR as FIXTURE_YEAR

from docgen.editions.grid import value_at
from docgen.report.load import load_text
from docgen.web.portaldb import APPROVED, COUNTY, agencies, audit_events

COUNTY_NAME = "青山县人民政府"
YEAR = str(FIXTURE_YEAR)  # the year of the portal fixture's reports


def make_county(p) -> int:
    """青山县 above the two agencies of the portal fixture; agency A's report filled and approved."""
    county_id = add_agency(p.store, COUNTY_NAME, COUNTY)
    with p.store.engine.begin() as conn:
        conn.execute(update(agencies).where(agencies.c.id.in_([p.agency_a, p.agency_b])).values(parent_id=county_id))
    service = p.app.state.service
    from docgen.web import formdoc

    form = formdoc.values(service.checked(p.report_a).report)
    form.update({"applications.received.0": "7", "applications.granted.0": "7", "active.licensing": "3"})
    service.save(p.report_a, form, "测试")
    set_state(p.store, p.report_a, APPROVED)
    return county_id


def events(p, action: str) -> list:
    with p.store.engine.connect() as conn:
        return conn.execute(select(audit_events).where(audit_events.c.action == action)).all()


def test_admin_rolls_up_reviewer_views_clerk_gets_404(database_url):
    with portal_app(database_url) as p:
        county_id = make_county(p)
        page = p.admin.get("/rollups")
        assert page.status_code == 200 and 'data-action="rollup"' in page.text and COUNTY_NAME in page.text
        assert 'data-action="rollup"' not in p.reviewer.get("/rollups").text  # 审核人 may view only
        assert p.clerk.get("/rollups").status_code == 404
        for client in (p.reviewer, p.clerk):
            r = client.post("/rollups", data={"agency": str(county_id), "year": YEAR}, follow_redirects=False)
            assert r.status_code == 404
        assert not events(p, "rollup")
        r = p.admin.post("/rollups", data={"agency": str(county_id), "year": YEAR}, follow_redirects=False)
        assert r.status_code == 303
        rollup_id = int(r.headers["location"].rsplit("/", 1)[1])
        stored = p.store.get(rollup_id)
        assert (stored.agency_id, stored.agency, stored.year) == (county_id, COUNTY_NAME, int(YEAR))
        county = load_text(stored.content, "x").report
        assert county.row("received")[0] == 7 and county.active_value("licensing", "decisions") == 3
        [event] = events(p, "rollup")
        assert event.report_id == rollup_id and event.username == "admin" and '"parts": 1' in event.detail
        # the result page: who is in, who is not (agency B's report is a draft)
        for client in (p.admin, p.reviewer):
            page = client.get(f"/rollups/{rollup_id}").text
            assert f'data-part="{AGENCY_A}"' in page
            assert f'data-outstanding="{AGENCY_B}" data-state="草稿"' in page
            assert 'data-download="rollup-xlsx"' in page and 'data-download="zip"' in page
        assert p.clerk.get(f"/rollups/{rollup_id}").status_code == 404
        assert f"/rollups/{rollup_id}" in p.admin.get("/rollups").text


def test_refusals_are_chinese_pages(database_url):
    with portal_app(database_url) as p:
        county_id = add_agency(p.store, COUNTY_NAME, COUNTY)
        with p.store.engine.begin() as conn:
            conn.execute(update(agencies).where(agencies.c.id == p.agency_a).values(parent_id=county_id))
        r = p.admin.post("/rollups", data={"agency": str(county_id), "year": YEAR})
        assert r.status_code == 409 and "还没有已审核的报告" in r.text and AGENCY_A in r.text
        for form, fragment in (({"agency": "", "year": YEAR}, "请选择要汇总的机关"), ({"agency": str(county_id), "year": "二〇二五"}, "四位年份"),
                               ({"agency": "99999", "year": YEAR}, "没有这个机关")):
            r = p.admin.post("/rollups", data=form)
            assert r.status_code in (400, 404) and fragment in r.text and "Traceback" not in r.text
        assert p.admin.get(f"/rollups/{p.report_a}").status_code == 404  # not a 汇总
        assert not [s for s in p.store.list() if s.agency_id == county_id]


def test_downloads_workbook_and_zip(database_url):
    with portal_app(database_url) as p:
        county_id = make_county(p)
        r = p.admin.post("/rollups", data={"agency": str(county_id), "year": YEAR}, follow_redirects=False)
        rollup_id = int(r.headers["location"].rsplit("/", 1)[1])
        book = p.reviewer.get(f"/rollups/{rollup_id}/workbook")
        assert book.status_code == 200 and book.content[:2] == b"PK"
        assert "filename*=UTF-8''" in book.headers["content-disposition"]
        from openpyxl import load_workbook

        sheets = load_workbook(io.BytesIO(book.content)).sheetnames
        assert sheets[:3] == ["总览", "汇总", "校验"] and len(sheets) == 4
        zipped = p.admin.get(f"/rollups/{rollup_id}/zip/docx-xlsx")
        assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
        names = sorted(zipfile.ZipFile(io.BytesIO(zipped.content)).namelist())
        assert names == sorted([f"{AGENCY_A}{YEAR}年度报告.docx", f"{AGENCY_A}{YEAR}年度报告.xlsx", "说明.txt"])
        assert p.admin.get(f"/rollups/{rollup_id}/zip/everything").status_code == 404
        for url in (f"/rollups/{rollup_id}/workbook", f"/rollups/{rollup_id}/zip/docx-xlsx"):
            assert p.clerk.get(url).status_code == 404
        exports = events(p, "export")
        assert len(exports) == 2 and all(e.report_id == rollup_id for e in exports)
        # the county report's own downloads are the ordinary ones
        assert p.admin.get(f"/reports/{rollup_id}/download/docx").status_code == 200


def test_rollup_editor_links_every_figure_and_keeps_figures(database_url):
    with portal_app(database_url) as p:
        county_id = make_county(p)
        r = p.admin.post("/rollups", data={"agency": str(county_id), "year": YEAR}, follow_redirects=False)
        rollup_id = int(r.headers["location"].rsplit("/", 1)[1])
        page = p.admin.get(f"/reports/{rollup_id}").text
        assert 'data-role="rollup-note"' in page
        assert not re.search(r"<input[^>]*data-cell=", page)  # no figure can be typed
        links = re.findall(rf'<a data-cell="([^"]+)" href="/reports/{rollup_id}/drill/([^"]+)"', page)
        assert len(links) > 150 and all(a == b for a, b in links)
        assert f'href="/reports/{rollup_id}/drill/applications.total.6"' in page
        # a form that sends figures anyway: they are kept, the narrative is saved
        r = p.admin.post(f"/reports/{rollup_id}/save", data={"applications.received.0": "999", "problems": "本级撰写。"})
        assert r.status_code == 200
        county = load_text(p.store.get(rollup_id).content, "x").report
        assert county.row("received")[0] == 7 and county.problems == "本级撰写。"
        # an ordinary report's editor has its inputs
        assert re.search(r'<input data-cell="applications.received.0"', p.admin.get(f"/reports/{p.report_b}").text)


def test_drill_down_page(database_url):
    with portal_app(database_url) as p:
        county_id = make_county(p)
        set_state(p.store, p.report_b, APPROVED)
        r = p.admin.post("/rollups", data={"agency": str(county_id), "year": YEAR}, follow_redirects=False)
        rollup_id = int(r.headers["location"].rsplit("/", 1)[1])
        page = p.reviewer.get(f"/reports/{rollup_id}/drill/applications.received.0")
        assert page.status_code == 200
        text = page.text
        assert "表三 · 一、本年新收政府信息公开申请数量 · 自然人" in text
        rows = re.findall(r'<tr data-agency="([^"]+)" data-value="([^"]+)"', text)
        assert rows == [(AGENCY_A, "7"), (AGENCY_B, "0")]  # non-zero first
        assert 'data-total="applications.received.0">7<' in text
        assert f'href="/reports/{p.report_a}"' in text and f'href="/reports/{p.report_b}"' in text
        assert p.admin.get(f"/reports/{rollup_id}/drill/applications.nothing.0").status_code == 404
        assert p.clerk.get(f"/reports/{rollup_id}/drill/applications.received.0").status_code == 404
        county = load_text(p.store.get(rollup_id).content, "x").report
        assert value_at(county, "applications.received.0") == 7


@pytest.mark.parametrize("role", ["admin", "reviewer"])
def test_yaml_of_a_rollup_imports_into_another_portal(tmp_path, role):
    """A city on another portal imports the county's 汇总 as docgen YAML (the existing import)."""
    from docgen.web.store import sqlite_url

    for name in ("county", "city"):
        (tmp_path / name).mkdir()
    with portal_app(sqlite_url(tmp_path / "county")) as p:
        county_id = make_county(p)
        r = p.admin.post("/rollups", data={"agency": str(county_id), "year": YEAR}, follow_redirects=False)
        rollup_id = int(r.headers["location"].rsplit("/", 1)[1])
        yaml_text = getattr(p, role).get(f"/reports/{rollup_id}/download/yaml").content
    with portal_app(sqlite_url(tmp_path / "city")) as city:
        r = city.admin.post("/import", files={"file": ("青山县2025.yaml", yaml_text, "application/x-yaml")})
        assert r.status_code == 200
        imported = max(city.store.list(), key=lambda s: s.id)
        report = load_text(imported.content, "x").report
        assert report.agency == COUNTY_NAME and report.row("received")[0] == 7
        assert imported.content == yaml_text.decode("utf-8")  # stored as it came
        # an input file the loader refuses: its message, nothing stored
        count = len(city.store.list())
        bad = yaml_text.replace(b"received: [7,", b"received: [seven,")
        r = city.admin.post("/import", files={"file": ("bad.yml", bad, "application/x-yaml")})
        assert r.status_code == 400 and "无法导入“bad.yml”" in r.text and "seven" in r.text
        assert len(city.store.list()) == count


def test_city_rolls_up_an_approved_county_rollup(database_url):
    with portal_app(database_url) as p:
        county_id = make_county(p)
        city_id = add_agency(p.store, "青山市人民政府", "市")
        with p.store.engine.begin() as conn:
            conn.execute(update(agencies).where(agencies.c.id == county_id).values(parent_id=city_id))
        r = p.admin.post("/rollups", data={"agency": str(county_id), "year": YEAR}, follow_redirects=False)
        county_rollup = int(r.headers["location"].rsplit("/", 1)[1])
        r = p.admin.post("/rollups", data={"agency": str(city_id), "year": YEAR})
        assert r.status_code == 409 and COUNTY_NAME in r.text  # the county's 汇总 is not approved yet
        set_state(p.store, county_rollup, APPROVED)
        r = p.admin.post("/rollups", data={"agency": str(city_id), "year": YEAR}, follow_redirects=False)
        city_rollup = int(r.headers["location"].rsplit("/", 1)[1])
        city = load_text(p.store.get(city_rollup).content, "x").report
        assert city.row("received")[0] == 7 and city.agency == "青山市人民政府"
        # the approved county 汇总 cannot be summed again until the city returns it
        r = p.admin.post("/rollups", data={"agency": str(county_id), "year": YEAR})
        assert r.status_code == 409 and "已报送上级" in r.text
        drill = p.admin.get(f"/reports/{city_rollup}/drill/applications.received.0").text
        assert re.findall(r'<tr data-agency="([^"]+)"', drill) == [COUNTY_NAME]


def test_an_ordinary_report_is_not_a_rollup(database_url):
    """An agency's own report that was never summed has no 汇总 page and an ordinary editor."""
    with portal_app(database_url) as p:
        assert p.admin.get(f"/rollups/{p.report_b}").status_code == 404
        assert 'data-role="rollup-note"' not in p.admin.get(f"/reports/{p.report_b}").text
