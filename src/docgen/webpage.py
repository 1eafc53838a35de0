"""The report as one web page (`--formats html`), ready to paste into a site's CMS.

One self-contained, accessible HTML file: inline CSS, no scripts, no outside resources. The
narrative in headings and paragraphs; tables 二, 三 and 四 drawn from the edition's grid
(docgen.editions.grid) in the exact official merged layout — rowspan/colspan, ``<th scope>``
for every header and row label, a caption — so that `docgen import` reads the page back to the
same report. Every text is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path

from .editions.common import SECTION_LABELS
from .editions.grid import LABEL, TOTAL, Grid, GridCell, grids, value_at
from .editions.types import TABLE_2
from .report.model import Amount, Report, display_value, paragraphs

_CSS = """
body{margin:0;background:#fff;color:#000}
.docgen-report{max-width:46em;margin:0 auto;padding:2em 1em;font-family:"仿宋_GB2312","仿宋",FangSong,"STFangsong",serif;font-size:16pt;line-height:1.8}
.docgen-report h1{font-family:"方正小标宋简体","小标宋","华文中宋","STZhongsong","宋体",SimSun,serif;font-size:22pt;font-weight:normal;text-align:center;line-height:1.5;margin:0 0 1em}
.docgen-report h2{font-family:"黑体",SimHei,"Heiti SC",sans-serif;font-size:16pt;font-weight:normal;margin:.6em 0 0;text-indent:2em}
.docgen-report h3,.docgen-report .subheading{font-family:"楷体_GB2312","楷体",KaiTi,"STKaiti",serif;font-size:16pt;font-weight:normal;margin:0;text-indent:2em}
.docgen-report .subheading{display:inline;text-indent:0}
.docgen-report p{margin:0;text-indent:2em;text-align:justify}
.docgen-report p.signoff{text-align:right;text-indent:0;padding-right:2em}
.docgen-report p.signoff.first{margin-top:1.8em}
.docgen-report table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:10.5pt;line-height:1.4}
.docgen-report caption{caption-side:top;text-align:right;font-size:10.5pt;padding:0 0 .2em}
.docgen-report th,.docgen-report td{border:1px solid #000;padding:.2em .3em;vertical-align:middle}
.docgen-report th{font-family:"黑体",SimHei,"Heiti SC",sans-serif;font-weight:normal;text-align:center;white-space:nowrap}
.docgen-report th[scope=row]{white-space:normal}
.docgen-report th[scope=row],.docgen-report th[scope=rowgroup],.docgen-report td.note{font-family:inherit;text-align:left}
.docgen-report td{text-align:center;white-space:nowrap}
.docgen-report td.note{white-space:normal;font-size:9pt}
""".strip()

CAPTIONS = {"表二": "表二", "表三": "表三　单位：件", "表四": "表四　单位：件"}


def render_html(report: Report) -> str:
    """The report as one HTML page (a complete document, UTF-8)."""
    from .word.context import build_context, chinese_number, format_date
    from .word.finish import heading_length

    context = build_context(report)
    title = context["title"].replace("\n", "")
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f'<meta name="author" content="{_e(report.agency)}">',
        '<meta name="generator" content="docgen">',
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        '<main class="docgen-report">',
        f"<h1>{_e(title)}</h1>",
    ]
    narrative = _narrative(heading_length)
    out += narrative(report.preamble)
    out.append(f"<h2>{_e(SECTION_LABELS['overview'])}</h2>")
    out += narrative(report.overview.intro)
    for i, section in enumerate(report.overview.sections, 1):
        out.append(f"<h3>（{chinese_number(i)}）{_e(section.title)}</h3>")
        out += narrative(section.text)
    for table in grids(report.spec):
        out.append(f"<h2>{_e(table.caption)}</h2>")
        out += table_html(report, table)
    for key in ("problems", "other_matters"):
        out.append(f"<h2>{_e(SECTION_LABELS[key])}</h2>")
        out += narrative(getattr(report, key))
    out.append(f'<p class="signoff first">{_e(report.agency)}</p>')
    if report.date:
        out.append(f'<p class="signoff">{_e(format_date(report.date))}</p>')
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _narrative(heading_length):
    """Paragraphs of a narrative field; a （一） heading line or run-in heading set in 楷体."""
    from .word.context import clean_text

    def render(text: str) -> list[str]:
        out = []
        for paragraph in paragraphs(text):
            paragraph = clean_text(paragraph).strip()
            if not paragraph:
                continue
            head = heading_length(paragraph)
            if head:
                rest = paragraph[head:]
                out.append(f'<p><span class="subheading">{_e(paragraph[:head])}</span>{_e(rest)}</p>')
            else:
                out.append(f"<p>{_e(paragraph)}</p>")
        return out

    return render


def table_html(report: Report, table: Grid) -> list[str]:
    """One official table with its merged cells, header scopes and caption."""
    out = ["<table>", f"<caption>{_e(CAPTIONS.get(table.table, table.table))}</caption>"]
    by_row: dict[int, list[GridCell]] = {}
    for cell in table.cells:
        by_row.setdefault(cell.row, []).append(cell)
    if table.header_rows:
        out.append("<thead>")
    for r in range(table.rows):
        if table.header_rows and r == table.header_rows:
            out += ["</thead>", "<tbody>"]
        cells = "".join(_cell_html(report, table, c) for c in sorted(by_row.get(r, []), key=lambda c: c.col))
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody>" if table.header_rows else "")
    out.append("</table>")
    return [line for line in out if line]


def _cell_html(report: Report, table: Grid, cell: GridCell) -> str:
    span = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
    if cell.kind != LABEL:
        value = value_at(report, cell.path)
        text = display_value(value) if (isinstance(value, Amount) or table.table == TABLE_2) else str(value)
        cls = ' class="total"' if cell.kind == TOTAL else ""
        return f"<td{cls}{span}>{_e(text)}</td>"
    if cell.header:
        scope = "colgroup" if cell.colspan > 1 else "col"
        return f'<th scope="{scope}"{span}>{_e(cell.text)}</th>'
    if cell.row < table.header_rows:  # table 三's note on the 勾稽关系, top left
        return f'<td class="note"{span}>{_e(cell.text)}</td>'
    scope = "rowgroup" if cell.rowspan > 1 else "row"
    return f'<th scope="{scope}"{span}>{_e(cell.text)}</th>'


def write_html(report: Report, target: Path) -> Path:
    """Write the page to `target` (UTF-8); the caller makes the write atomic."""
    Path(target).write_text(render_html(report), encoding="utf-8", newline="\n")
    return Path(target)
