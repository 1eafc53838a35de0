"""`docgen serve` over HTTP (no browser): hooks, CSRF on every state change, escaping, limits,
no stack trace, downloads equal to `docgen render`, and `docgen --help` without the web stack."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import pytest
from starlette.routing import Route

with warnings.catch_warnings():  # recent Starlette prefers httpx2 for its test client; httpx works
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from conftest import EXAMPLE_2021, ROOT

from docgen.web.app import CSRF_COOKIE, create_app
from docgen.web.server import open_store


@pytest.fixture
def client(tmp_path):
    store, _ = open_store(tmp_path / "data")
    with TestClient(create_app(store), raise_server_exceptions=False) as c:
        c.get("/")
        yield c
    store.engine.dispose()


def token(client) -> str:
    return client.cookies.get(CSRF_COOKIE)


def new_report(client, agency="测试镇人民政府", year="2025") -> int:
    r = client.post("/reports", data={"agency": agency, "year": year, "csrf": token(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def form_of(html: str) -> dict[str, str]:
    """The editor form's fields as the browser would send them."""
    out = {}
    for name, value in re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', html):
        out[name] = value
    for name, value in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.DOTALL):
        out[name] = value
    import html as h

    return {k: h.unescape(v) for k, v in out.items()}


def test_healthz_and_hooks(client):
    assert client.get("/healthz").text == "ok"
    index = client.get("/").text
    assert 'data-action="new"' in index and 'name="agency"' in index and 'name="year"' in index
    assert 'data-action="import"' in index and 'type="file" name="file"' in index
    report_id = new_report(client)
    page = client.get(f"/reports/{report_id}").text
    for hook in ('data-cell="applications.received.0"', 'data-cell="active.licensing"', 'data-cell="reviews.review.3"',
                 'data-total="applications.total.6"', 'data-total="applications.received.6"', 'data-total="reviews.review.4"',
                 'data-field="overview.intro"', 'data-field="problems"', 'data-field="other_matters"',
                 'data-field="overview.sections.0.title"', 'data-field="overview.sections.0.text"', 'data-role="findings"'):
        assert hook in page, hook
    for fmt in ("docx", "xlsx", "pdf", "yaml"):
        assert f'data-download="{fmt}"' in page
    htmx = re.search(r'<script src="(/static/htmx.min.js\?v=[0-9a-f]{12})" defer>', page).group(1)
    served = client.get(htmx)  # named by content: cached for a year, never asked again
    assert served.status_code == 200 and "immutable" in served.headers["cache-control"] and len(served.content) > 40_000
    assert "immutable" not in client.get("/static/htmx.min.js").headers.get("cache-control", "")


def test_every_state_change_needs_the_csrf_token(client):
    report_id = new_report(client)
    posts = [r.path for r in client.app.routes if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert len(posts) >= 8
    for path in posts:
        url = path.replace("{id:int}", str(report_id)).replace("{number:int}", "1")
        for data, headers in (({}, {}), ({"csrf": "x" * 43}, {}), ({"csrf": token(client)}, {"origin": "http://evil.example"})):
            r = client.post(url, data=data, headers=headers, follow_redirects=False)
            assert r.status_code == 403, (url, data, r.status_code)
            assert "安全令牌" in r.text or "跨站" in r.text
    assert len(client.get("/").text.split('data-report="')) == 2  # still one report, undeleted
    assert client.app.state.store.count_revisions(report_id) == 1


def test_text_is_escaped_everywhere(client):
    evil = '<script>alert(1)</script>&<b>"'
    report_id = new_report(client, agency=evil)
    for url in ("/", f"/reports/{report_id}", f"/reports/{report_id}/revisions", f"/reports/{report_id}/revisions/1"):
        html = client.get(url).text
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    form = form_of(client.get(f"/reports/{report_id}").text)
    form["problems"] = "<img src=x onerror=alert(2)>"
    form["applications.received.0"] = "<i>3</i>"
    r = client.post(f"/reports/{report_id}/save", data=form, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<i>3" not in r.text and "&lt;i&gt;3&lt;/i&gt;" in r.text
    assert "<img src=x" not in client.get(f"/reports/{report_id}").text


def test_errors_are_chinese_pages_without_stack_traces(client):
    for url in ("/reports/999", "/nowhere", "/reports/1/download/exe", "/reports/999/revisions/3"):
        r = client.get(url)
        assert r.status_code == 404 and "Traceback" not in r.text and ("没有" in r.text or "不支持" in r.text), url
    report_id = new_report(client)
    # a form the server cannot read, and a field over the limit
    r = client.post(f"/reports/{report_id}/save", content=b"\xff" * 10, headers={"content-type": "multipart/form-data; boundary=x", "X-CSRF-Token": token(client)})
    assert r.status_code in (400, 403) and "Traceback" not in r.text
    big = {"csrf": token(client), "problems": "字" * 600_000}
    r = client.post(f"/reports/{report_id}/save", files={"x": ("", b"")}, data=big)
    assert r.status_code == 400 and "过大" in r.text and "Traceback" not in r.text
    # the editor's own (urlencoded) saves have the same limits
    for body in ({"csrf": token(client), "problems": "字" * 200_000}, {"csrf": token(client), **{f"f{i}": "" for i in range(2001)}}):
        r = client.post(f"/reports/{report_id}/save", data=body)
        assert r.status_code == 400 and ("过大" in r.text or "无法读取" in r.text) and "Traceback" not in r.text
    r = client.post(f"/reports/{report_id}/save", content=b"problems=%FF%FE", headers={"content-type": "application/x-www-form-urlencoded", "X-CSRF-Token": token(client)})
    assert r.status_code == 400 and "无法读取" in r.text
    assert client.app.state.store.count_revisions(report_id) == 1
    # an internal error: a generic page, never the exception
    service = client.app.state.service
    original = service.checked
    service.checked = lambda report_id: 1 / 0
    try:
        r = client.get(f"/reports/{report_id}")
    finally:
        service.checked = original
    assert r.status_code == 500 and "内部错误" in r.text and "ZeroDivision" not in r.text and "Traceback" not in r.text


def test_upload_limits_and_refusals(client):
    from docgen.importers import MAX_IMPORT_BYTES

    r = client.post("/import", data={"csrf": token(client)}, files={"file": ("big.txt", b" " * (MAX_IMPORT_BYTES + 10))})
    assert r.status_code == 413 and "过大" in r.text
    r = client.post("/import", data={"csrf": token(client)}, files={"file": ("报告.docx", b"%PDF-1.4 renamed")})
    assert r.status_code == 400 and "PDF 文件" in r.text and "未保存任何内容" in r.text
    assert client.app.state.store.list() == []


def test_save_marks_cells_and_returns_findings(client):
    report_id = new_report(client)
    form = form_of(client.get(f"/reports/{report_id}").text)
    form["applications.received.0"] = "3"
    form["applications.received.2"] = "三"
    r = client.post(f"/reports/{report_id}/save", data=form, headers={"HX-Request": "true"})
    import json

    event = json.loads(r.headers["HX-Trigger"])["docgen:checked"]
    assert "applications.received.2" in event["errors"] and event["revision"] == 2
    assert event["totals"]["applications.received.6"] == "3"
    assert r.text.count('data-finding="R1"') == 2 and 'data-finding="输入"' in r.text
    assert "实际为“三”（文字）" in r.text


def test_downloads_equal_the_cli(client, cli, tmp_path):
    report_id = new_report(client)
    client.app.state.store.save(report_id, EXAMPLE_2021.read_text(encoding="utf-8"), "通过", "青山县人民政府", "测试", "测试")
    yaml = client.get(f"/reports/{report_id}/download/yaml")
    assert yaml.status_code == 200 and "filename*=UTF-8''" in yaml.headers["content-disposition"]
    source = tmp_path / "report.yaml"
    source.write_bytes(yaml.content)
    assert cli("render", source, "-o", tmp_path / "cli", "--formats", "docx,xlsx").code == 0
    docx = client.get(f"/reports/{report_id}/download/docx")
    assert docx.status_code == 200 and docx.content == (tmp_path / "cli" / "report.docx").read_bytes()
    xlsx = client.get(f"/reports/{report_id}/download/xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_help_does_not_import_the_web_stack():
    code = "import sys; from docgen.cli.app import run; run(['--help']); import sys; print(sorted(m for m in ('starlette','sqlalchemy','uvicorn','alembic','jinja2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""})
    assert out.stdout.strip().endswith("[]"), out.stdout[-300:] + out.stderr[-300:]
    assert "serve" in out.stdout


def test_pdf_button_is_a_span_without_libreoffice(client, monkeypatch):
    import docgen.office

    monkeypatch.setattr(docgen.office, "find_soffice", lambda: None)
    report_id = new_report(client)
    page = client.get(f"/reports/{report_id}").text
    assert re.search(r'<span data-download="pdf"[^>]*>PDF：本机未安装 LibreOffice', page)
    r = client.get(f"/reports/{report_id}/download/pdf")
    assert r.status_code == 409 and "未安装 LibreOffice" in r.text


def test_2019_edition_editor_and_save(client):
    report_id = new_report(client, year="2020")
    page = client.get(f"/reports/{report_id}").text
    assert "2019版格式" in page and 'data-cell="active.licensing.change"' in page and 'data-cell="active.procurement.amount"' in page
    form = form_of(page)
    form |= {"active.licensing.change": "-3", "active.procurement.amount": "25.1万元", "applications.other.0": "2", "applications.received.0": "2"}
    r = client.post(f"/reports/{report_id}/save", data=form, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "finding error" not in r.text  # consistent: no error (warnings: text to write)
    yaml = client.get(f"/reports/{report_id}/download/yaml").text
    assert "change: -3" in yaml and "25.1万元" in yaml and "other: [2, 0, 0, 0, 0, 0]" in yaml


def test_import_rollover_previous_trash_through_the_pages(client, cli, tmp_path):
    assert cli("render", EXAMPLE_2021, "-o", tmp_path, "--formats", "docx").code == 0
    data = (tmp_path / "example-2021.docx").read_bytes()
    r = client.post("/import", data={"csrf": token(client)}, files={"file": ("青山县2025年报告.docx", data)})
    assert r.status_code == 200 and "已导入“青山县2025年报告.docx”" in r.text
    imported = int(re.search(r'href="/reports/(\d+)" data-action="open"', r.text).group(1))
    assert "青山县人民政府" in client.get("/").text
    # next year's draft: the rollover draft, linked to last year's report for R5/R6
    r = client.post(f"/reports/{imported}/rollover", data={"csrf": token(client)}, follow_redirects=False)
    draft = int(r.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/reports/{draft}").text
    assert "2026年度" in page and f'<option value="{imported}" selected>' in page and "草稿" in page
    # unlink and link again
    assert client.post(f"/reports/{draft}/previous", data={"csrf": token(client), "previous": ""}, follow_redirects=False).status_code == 303
    assert f'<option value="{imported}" selected>' not in client.get(f"/reports/{draft}").text
    client.post(f"/reports/{draft}/previous", data={"csrf": token(client), "previous": str(imported)})
    # recycle bin
    assert client.post(f"/reports/{imported}/delete", data={"csrf": token(client)}, follow_redirects=False).status_code == 303
    assert f'data-report="{imported}"' not in client.get("/").text and f'data-report="{imported}"' in client.get("/trash").text
    assert client.get(f"/reports/{imported}").status_code == 404
    assert client.get(f"/reports/{draft}").status_code == 200  # last year's report in the bin still counts for R5
    client.post(f"/reports/{imported}/undelete", data={"csrf": token(client)})
    assert f'data-report="{imported}"' in client.get("/").text


def test_serve_command_line(cli, tmp_path):
    result = cli("serve", "--help")
    assert result.code == 0 and all(o in result.out for o in ("--port", "--host", "--data", "--no-browser", "DOCGEN_DATABASE_URL"))
    bad = cli("serve", "--port", "0", "--data", tmp_path)
    assert bad.code == 2 and "端口" in bad.err and "Traceback" not in bad.text
    (tmp_path / "file").write_text("x")  # a file where the data folder should be
    unusable = cli("serve", "--data", tmp_path / "file", "--no-browser")
    assert unusable.code == 2 and "数据文件夹" in unusable.err


def test_narrative_findings_mark_their_text_field(client):
    import json

    report_id = new_report(client)
    html = client.get(f"/reports/{report_id}").text
    # init's stand-in texts are unfinished text: their fields are marked (amber), like cells
    assert re.search(r'data-field="overview.intro"[^>]*data-error="warning"', html)
    form = form_of(html)
    form["problems"] = "本年度共收到政府信息公开申请9件。"
    form["overview.intro"] = "全县政务公开工作平稳推进。"
    form["overview.sections.1.text"] = "办结7件。"
    r = client.post(f"/reports/{report_id}/save", data=form, headers={"HX-Request": "true"})
    event = json.loads(r.headers["HX-Trigger"])["docgen:checked"]
    assert {"problems", "overview.sections.1.text"} <= set(event["warnings"])
    assert "overview.intro" not in event["warnings"] + event["errors"]
    assert 'data-cells="problems"' in r.text
    html = client.get(f"/reports/{report_id}").text
    assert re.search(r'data-field="problems"[^>]*data-error="warning"', html)
    assert not re.search(r'data-field="overview.intro"[^>]*data-error', html)


def test_revision_is_shown_in_the_grid_with_changes_marked(client):
    report_id = new_report(client)
    form = form_of(client.get(f"/reports/{report_id}").text)
    form["applications.received.0"] = "5"
    form["applications.granted.0"] = "5"
    form["problems"] = "改写后的问题。"
    assert client.post(f"/reports/{report_id}/save", data=form, headers={"HX-Request": "true"}).status_code == 200
    page = client.get(f"/reports/{report_id}/revisions/1").text
    # the same grid as the editor, read-only, with revision 1's figures and narrative
    assert page.count("data-cell=") == client.get(f"/reports/{report_id}").text.count("data-cell=")
    received = re.search(r'<input data-cell="applications.received.0"[^>]*>', page).group(0)
    assert 'value="0"' in received and "readonly" in received and "data-changed" in received and "当前版本：5" in received
    assert "data-changed" not in re.search(r'<input data-cell="applications.received.1"[^>]*>', page).group(0)
    assert re.search(r'<output data-total="applications.received.6" data-changed[^>]*>0</output>', page)
    assert re.search(r'<textarea name="problems"[^>]*readonly[^>]*data-changed', page)
    assert 'data-change="applications.received.0"' in page and "本版 0，当前 5" in page
    assert 'data-action="restore"' in page and f'/reports/{report_id}/revisions/1/yaml' in page
    assert "hx-post" not in page and 'data-move="remove"' not in page
    yaml = client.get(f"/reports/{report_id}/revisions/1/yaml").text
    assert '<pre class="yaml">' in yaml and "received: [0, 0, 0, 0, 0, 0]" in yaml
    current = client.get(f"/reports/{report_id}/revisions/2").text
    assert "data-changed" not in current and "与当前版本相同" in current and 'data-action="restore"' not in current
    assert client.get(f"/reports/{report_id}/revisions/9/yaml").status_code == 404


def test_pdf_button_says_why_without_libreoffice(client, monkeypatch):
    import docgen.office

    report_id = new_report(client)
    monkeypatch.setattr(docgen.office, "find_soffice", lambda *a, **k: None)
    html = client.get(f"/reports/{report_id}").text
    button = re.search(r'<[^>]*data-download="pdf"[^>]*>([^<]*)<', html)
    assert button.group(0).startswith("<span") and 'aria-disabled="true"' in button.group(0)
    assert "未安装 LibreOffice" in button.group(1)
    assert 'href="/reports/%d/download/pdf"' % report_id not in html
    r = client.get(f"/reports/{report_id}/download/pdf")
    assert r.status_code == 409 and "未安装 LibreOffice" in r.text and "Word" in r.text and "Traceback" not in r.text
