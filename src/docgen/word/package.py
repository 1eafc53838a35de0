"""A Word template's package, prepared once and then rendered per report without docxtpl's reload.

``DocxTemplate.render`` + ``save`` reopens the template for every report: it parses every part,
re-serialises and patches the body, re-parses the rendered body, then writes every part of the
package (and docgen rewrote the zip once more for fixed timestamps). ``PreparedPackage`` does
the once-per-template work once — the patched body, header and footer sources, every part a
render leaves alone serialised and deflated — and per report builds only the parts that depend
on the context, with docxtpl's own steps in docxtpl's order: the body (rendered, tables fixed,
drawing ids renumbered), headers and footers, the core properties, footnotes. The bytes are the
ones the docxtpl path produces (``reference.reference_docx``; tests compare the two), except that
the footnotes are rendered once, not once per section (see ``_footnotes``).

Nothing of the loaded template is kept but those sources, the document element's shell and the
compressed parts (about half a megabyte rather than five). docxtpl's per-render steps that need
no document run on a ``DocxTemplate`` holding none; they are given no part to render into, which
only a picture or sub-document placed in the context would need, and docgen's contexts hold text.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from typing import Any, Callable

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import parse_xml, serialize_part_xml
from docx.opc.parts.coreprops import CorePropertiesPart
from markupsafe import Markup

from ..zipwrite import Member, deflate, package
from .finish import finish_body

TEMPLATE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # docxtpl renders these
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"

Producer = Callable[[dict[str, Any], "dt.datetime | None"], bytes]


def set_properties(props, context: dict[str, Any], created: dt.datetime | None) -> None:
    """The core properties docgen sets after docxtpl rendered the template's own."""
    title = context.get("title", "")
    props.title = (title.unescape() if isinstance(title, Markup) else title).replace("\n", "")
    props.author = context.get("agency", "")
    props.last_modified_by = ""
    if created is not None:
        props.created = props.modified = created


def render_properties(props, context: dict[str, Any], env) -> None:
    """docxtpl's ``render_properties``: each text property rendered as a template."""
    for name in TEMPLATE_PROPERTIES:
        setattr(props, name, env.from_string(getattr(props, name)).render(context))


class PreparedPackage:
    """The package of a loaded, not yet rendered ``DocxTemplate``, ready to render many reports.

    ``body`` is the template's body as docxtpl patches it (``tpl.patch_xml(tpl.get_xml())``);
    ``env`` must have compiled every source (``word.sources_of``) already. ``tpl`` is not kept.
    """

    def __init__(self, tpl, env, body: str) -> None:
        from docxtpl import DocxTemplate

        doc = tpl.docx
        pkg = doc.part.package
        pkg.core_properties  # noqa: B018 - a template without core properties gets python-docx's default part, as a render does
        self._env = env
        self._steps = DocxTemplate(io.BytesIO(b""))  # docxtpl's string and tree steps; it never loads a document
        self._body = body
        self._document = doc.part.element
        quick = self._quick_matches(tpl.get_xml())
        self._document = self._shell(self._document) if quick else self._document
        self._assemble = self._quick_document if quick else self._replaced_body
        producers: dict[str, Producer] = {doc.part.partname.membername: self._document_xml}
        for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
            for _, part in tpl.get_headers_footers(uri):
                producers[part.partname.membername] = self._header_footer(tpl.get_part_xml(part))
        core = pkg.part_related_by(RT.CORE_PROPERTIES)
        producers[core.partname.membername] = self._core_properties(core)
        for part in pkg.iter_parts():
            if part.content_type == FOOTNOTES_TYPE:
                producers[part.partname.membername] = self._footnotes(part.blob)
        self._producers = producers
        saved = io.BytesIO()
        doc.save(saved)
        with zipfile.ZipFile(saved) as archive:
            self._members: list[Member | str] = [
                info.filename if info.filename in producers else deflate(info.filename, archive.read(info.filename))
                for info in archive.infolist()
            ]

    def render(self, context: dict[str, Any], created: dt.datetime | None = None) -> bytes:
        """The .docx bytes of one report; jinja2 errors propagate as raised."""
        made = {name: deflate(name, produce(context, created)) for name, produce in self._producers.items()}
        return package([made[m] if isinstance(m, str) else m for m in self._members])

    # -- the parts a render changes ----------------------------------------------------------
    def _render_xml(self, source: str, context: dict[str, Any]) -> str:
        return self._steps.render_xml_part(source, None, context, self._env)

    def _document_xml(self, context: dict[str, Any], created: dt.datetime | None) -> bytes:
        tree = self._steps.fix_tables(self._render_xml(self._body, context))
        finish_body(tree)
        self._steps.docx_ids_index = 1000  # docxtpl's render_init, for fix_docpr_ids
        self._steps.fix_docpr_ids(tree)
        return serialize_part_xml(self._assemble(tree))

    # docxtpl puts the rendered body (parsed on its own) into the template's document element.
    # Moving the body's thousands of nodes into another document costs lxml about 3 ms; a new
    # document element made in the body's own document holds the same XML for a tenth of that.
    def _replaced_body(self, body):
        self._document.replace(self._document.body, body)
        return self._document

    def _quick_document(self, body):
        document = self._document
        root = body.makeelement(document.tag, document.attrib, nsmap=document.nsmap)
        for child in document:
            root.append(body if child.tag == body.tag else copy.deepcopy(child))
        return root

    def _quick_matches(self, body_xml: str) -> bool:
        """Whether the quick document element serialises as docxtpl's does, tried on the template's own body."""
        original = serialize_part_xml(self._document)
        return serialize_part_xml(self._quick_document(self._steps.fix_tables(body_xml))) == original

    @staticmethod
    def _shell(document):
        """The document element with an empty body: what ``_quick_document`` copies from."""
        shell = copy.deepcopy(document)
        shell.body.clear()
        return shell

    def _header_footer(self, xml: str) -> Producer:
        encoding = self._steps.get_headers_footers_encoding(xml)
        source = self._steps.patch_xml(xml)

        def produce(context: dict[str, Any], created: dt.datetime | None) -> bytes:
            return serialize_part_xml(parse_xml(self._render_xml(source, context).encode(encoding)))

        return produce

    def _core_properties(self, part) -> Producer:
        blob, partname, content_type = part.blob, part.partname, part.content_type

        def produce(context: dict[str, Any], created: dt.datetime | None) -> bytes:
            fresh = CorePropertiesPart.load(partname, content_type, blob, None)
            render_properties(fresh.core_properties, context, self._env)
            set_properties(fresh.core_properties, context, created)
            return fresh.blob

        return produce

    def _footnotes(self, blob: bytes) -> Producer:
        # docxtpl renders the footnotes once per section, each time the result of the time before:
        # from the second time on, report text would be rendered as a template ({{ 7*7 }} in an
        # agency's name printing 49). The template's footnotes are rendered once.
        source = self._steps.patch_xml(blob.decode("utf-8") if isinstance(blob, bytes) else blob)

        def produce(context: dict[str, Any], created: dt.datetime | None) -> bytes:
            return self._render_xml(source, context).encode("utf-8")

        return produce
