"""Screenshots of `docgen serve` for the README, taken from a real browser.

    python scripts/web_screenshots.py        # writes docs/web-list.png and docs/web-editor.png

Starts `docgen serve` on a fresh data folder holding the example report (inputs/example-2021.yaml)
and a new blank one, types one figure that breaks R1 in the example, and photographs the pages
with chromium (Playwright; DOCGEN_CHROMIUM overrides /usr/bin/chromium).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
CHROMIUM = os.environ.get("DOCGEN_CHROMIUM", "/usr/bin/chromium")


def prepare(data: Path) -> int:
    """The example report and a blank one, stored as the web form stores them."""
    from docgen.web.server import open_store
    from docgen.web.service import Service

    store, _ = open_store(data)
    service = Service(store)
    service.new("白水镇人民政府", "2025", "示例")
    report_id = service._create((ROOT / "inputs" / "example-2021.yaml").read_text(encoding="utf-8"), "示例报告", "示例")
    store.engine.dispose()
    return report_id


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="docgen-shots-") as work:
        data = Path(work) / "data"
        report_id = prepare(data)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        env.pop("DOCGEN_DATABASE_URL", None)
        server = subprocess.Popen([sys.executable, "-m", "docgen", "serve", "--no-browser", "--port", str(port), "--data", str(data)], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            args = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
                page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="zh-CN")
                page.goto(base + "/")
                page.screenshot(path=str(ROOT / "docs" / "web-list.png"))
                page.goto(f"{base}/reports/{report_id}")
                received = page.locator('[data-cell="applications.received.0"]')
                received.scroll_into_view_if_needed()
                page.evaluate("window.scrollBy(0, -120)")
                received.click()
                received.press("End")
                page.keyboard.type("1")  # 一、本年新收 · 自然人 one more: R1 breaks in that column
                page.wait_for_selector('[data-finding="R1"]')
                page.wait_for_function("document.querySelector('[data-role=saved]').textContent.includes('已保存')")
                page.screenshot(path=str(ROOT / "docs" / "web-editor.png"))
                browser.close()
        finally:
            server.terminate()
            server.wait(10)
    print("docs/web-list.png, docs/web-editor.png")


if __name__ == "__main__":
    main()
