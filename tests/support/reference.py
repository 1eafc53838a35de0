"""The slow, plain way to render a report, kept as the reference the fast paths must equal.

``reference_docx`` renders with a fresh ``DocxTemplate`` in a fresh sandboxed environment and
saves through python-docx; ``reference_xlsx`` builds a fresh openpyxl workbook, saves it and
stores the formulas' cached values in the saved file. docgen itself renders through a prepared
package (``docx_package``) and a per-edition stencil (``workbook.stencil``); the tests compare
their outputs with these.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

from docgen.word.finish import finish_body
from docgen.word.package import set_properties
from docgen.report.model import Report
from docgen.word.templating import TemplateEnvironment
from docgen.word.context import build_context
from docgen.word.render import created_of, normalize_zip, official_template, read_template


def _footnotes_once():
    from docxtpl import DocxTemplate

    from docgen.word.package import FOOTNOTES_TYPE

    class FootnotesOnce(DocxTemplate):
        """docxtpl, except that each footnotes part is rendered once: docxtpl renders it once per
        section, each time the result of the time before, which would render report text as a
        template (docgen renders the template's footnotes once, see word.package)."""

        def render_footnotes(self, context, jinja_env=None):
            for part in self.docx.part.package.parts:
                if part.content_type == FOOTNOTES_TYPE:
                    xml = self.patch_xml(part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob)
                    part._blob = self.render_xml_part(xml, part, context, jinja_env).encode("utf-8")

    return FootnotesOnce


def reference_docx(report: Report, template: Path | None = None) -> bytes:
    """The report as .docx bytes, rendered by docxtpl from scratch."""
    _FootnotesOnce = _footnotes_once()

    data = read_template(template) if template is not None else official_template(report.edition)
    context = build_context(report)
    tpl = _FootnotesOnce(io.BytesIO(data))
    tpl.render(context, jinja_env=TemplateEnvironment(), autoescape=True)
    finish_body(tpl.docx.element.body)
    set_properties(tpl.docx.core_properties, context, created_of(report))
    out = io.BytesIO()
    tpl.save(out)
    return normalize_zip(out.getvalue())


def reference_xlsx(report: Report, source: str | None = None, made_at: dt.datetime | None = None) -> bytes:
    """The auditors' workbook as .xlsx bytes, built cell by cell with openpyxl."""
    from docgen.workbook import add_cached_values, build_workbook

    book, cached = build_workbook(report, source, made_at)
    with tempfile.TemporaryDirectory(prefix="docgen-") as folder:
        path = Path(folder) / "reference.xlsx"
        book.save(path)
        add_cached_values(path, cached)
        return path.read_bytes()
