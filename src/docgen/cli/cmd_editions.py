"""docgen editions"""

from __future__ import annotations

from .app import app
from .output import say


@app.command("editions")
def editions_command() -> None:
    """列出支持的年度报告格式版本、发文字号和适用年度。"""
    from .. import editions

    for edition in editions.EDITIONS.values():
        current = "（现行）" if edition is editions.CURRENT else ""
        say(f"{edition.id}  {edition.document}  《{edition.title}》  适用于{edition.years}{current}")
