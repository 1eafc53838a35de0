"""The nginx example (docs/nginx-docgen.conf) as a real nginx runs it: `nginx -t` accepts it with
a self-signed certificate, and nginx in front of the docgen app terminates TLS, redirects http to
https, refuses an upload over docgen's own limit with 413, and `docgen serve --portal --behind-proxy`
behind it passes the same-origin check and records the address nginx saw, never a forged one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from conftest import ROOT, requires

from docgen.web.app import MAX_BODY

EXAMPLE = ROOT / "docs" / "nginx-docgen.conf"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None)
OPENSSL = shutil.which("openssl")

pytestmark = requires(NGINX is None or OPENSSL is None, "未安装 nginx 或 openssl，跳过 nginx 示例配置的真实测试")


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "docgen.crt", folder / "docgen.key"
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def _site(folder: Path, app_port: int, http_port: int, https_port: int) -> Path:
    """The example with test paths and ports: only the lines a county changes are replaced."""
    cert, key = _certificate(folder)
    text = EXAMPLE.read_text(encoding="utf-8")
    replacements = [
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};"),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen \[::\]:80;", ""),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"listen \[::\]:443 ssl http2;", ""),
        (r"/etc/nginx/ssl/docgen\.crt", str(cert)),
        (r"/etc/nginx/ssl/docgen\.key", str(key)),
        (r"/var/log/nginx/docgen\.access\.log", f"{folder}/access.log"),
        (r"/var/log/nginx/docgen\.error\.log", f"{folder}/error.log"),
    ]
    for pattern, new in replacements:
        text, count = re.subn(pattern, new, text)
        assert count == 1, pattern  # the example still has the line the documentation describes
    site = folder / "docgen.conf"
    site.write_text(text, encoding="utf-8")
    main = folder / "nginx.conf"
    user = "user root;\n" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    temp = "".join(f"    {name}_temp_path {folder}/{name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main.write_text(
        f"{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log stderr;\ndaemon off;\nevents {{ worker_connections 64; }}\n"
        f"http {{\n{temp}    include {site};\n}}\n",
        encoding="utf-8",
    )
    return main


def _nginx(main: Path, *args: str) -> list[str]:
    return [NGINX, "-e", "stderr", "-p", str(main.parent), "-c", str(main), *args]


def test_nginx_accepts_the_example(tmp_path):
    main = _site(tmp_path, 8000, 8080, 8443)
    checked = subprocess.run(_nginx(main, "-t"), capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_example_upload_limit_is_docgens():
    size = re.search(r"client_max_body_size (\d+)m;", EXAMPLE.read_text(encoding="utf-8"))
    assert size and int(size.group(1)) * 1024 * 1024 == MAX_BODY


def test_nginx_in_front_of_docgen(tmp_path):
    import httpx
    from support.web import free_port, serve

    from docgen.web.store import sqlite_url

    with serve(sqlite_url(tmp_path)) as base:
        app_port = int(base.rsplit(":", 1)[1])
        http_port, https_port = free_port(), free_port()
        main = _site(tmp_path, app_port, http_port, https_port)
        nginx = subprocess.Popen(_nginx(main), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            client = httpx.Client(verify=False, timeout=10)
            deadline = time.monotonic() + 20
            while True:
                try:
                    health = client.get(f"https://127.0.0.1:{https_port}/healthz")
                    break
                except httpx.HTTPError:
                    assert nginx.poll() is None and time.monotonic() < deadline, nginx.communicate()[1].decode()[-2000:]
                    time.sleep(0.1)
            assert health.status_code == 200 and health.text == "ok"
            assert health.headers["strict-transport-security"].startswith("max-age=")
            assert "nginx/" not in health.headers.get("server", "")  # server_tokens off
            page = client.get(f"https://127.0.0.1:{https_port}/")
            assert page.status_code == 200 and "docgen" in page.text
            redirect = client.get(f"http://127.0.0.1:{http_port}/reports?x=1", follow_redirects=False)
            assert redirect.status_code == 301
            assert redirect.headers["location"] == "https://127.0.0.1/reports?x=1"
            # an upload over docgen's limit never reaches docgen: nginx answers 413
            too_big = client.post(f"https://127.0.0.1:{https_port}/import", content=b"0" * (MAX_BODY + 1),
                                  headers={"content-type": "application/octet-stream"})
            assert too_big.status_code == 413
        finally:
            nginx.terminate()
            nginx.wait(20)


def test_portal_behind_nginx_records_the_address_nginx_saw(tmp_path):
    """`docgen serve --portal --behind-proxy` behind the example: a login form posted the way a
    browser posts it (Origin with the port) passes the same-origin check, and a forged
    X-Forwarded-For never reaches the audit trail (nginx overwrites it with the real address)."""
    import re as regex
    import sqlite3
    import sys

    import httpx
    from support.web import free_port

    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("DOCGEN_DATABASE_URL", None)
    added = subprocess.run([sys.executable, "-m", "docgen", "users", "add", "admin", "--role", "管理员", "--password-stdin",
                            "--data", str(data)], input="Geheim-2026\n", text=True, capture_output=True, env=env, timeout=120)
    assert added.returncode == 0, added.stderr
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    server = subprocess.Popen([sys.executable, "-m", "docgen", "serve", "--portal", "--behind-proxy", "--no-browser",
                               "--port", str(app_port), "--data", str(data)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    nginx = subprocess.Popen(_nginx(_site(tmp_path, app_port, http_port, https_port)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"https://127.0.0.1:{https_port}"
    try:
        client = httpx.Client(verify=False, timeout=10)
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.get(f"{base}/healthz").text == "ok":
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and nginx.poll() is None and time.monotonic() < deadline, server.communicate()[1].decode()[-2000:]
            time.sleep(0.1)
        page = client.get(f"{base}/login")
        assert page.status_code == 200 and 'data-action="login"' in page.text
        token = regex.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        answer = client.post(f"{base}/login", data={"username": "admin", "password": "falsch-123", "csrf": token},
                             headers={"Origin": base, "X-Forwarded-For": "6.6.6.6"})
        assert answer.status_code == 401 and "用户名或密码不正确" in answer.text  # refused as a bad password, not as a CSRF failure
        connection = sqlite3.connect(data / "docgen.sqlite3")
        rows = connection.execute("SELECT address FROM audit_events WHERE action = 'login_failed'").fetchall()
        connection.close()
        assert rows == [("127.0.0.1",)]
    finally:
        nginx.terminate()
        server.terminate()
        nginx.wait(20)
        server.wait(20)
