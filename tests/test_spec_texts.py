"""The edition spec against the official texts and the project's own documents.

- Every label of the spec (each label cell of tables 二/三/四, table captions and section headings)
  appears verbatim in its edition's official format text (tests/data/format-<edition>.txt, copies of
  ../shared/reference; white space removed, because the flattened text breaks table cells).
- The README's edition and rule tables and the --edition help texts list what the spec says.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import typer

from conftest import ROOT, SHARED
from docgen import editions
from docgen.editions.common import SECTION_LABELS
from docgen.editions.equations import table_rules
from docgen.editions.grid import LABEL, grids

DATA = Path(__file__).parent / "data"
EDITION_IDS = sorted(editions.EDITIONS)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def official_text(edition_id: int) -> str:
    return squeeze((DATA / f"format-{edition_id}.txt").read_text(encoding="utf-8"))


def spec_labels(edition) -> set[str]:
    labels = {cell.text for g in grids(edition) for cell in g.cells if cell.kind == LABEL}
    return labels | {g.caption for g in grids(edition)} | set(SECTION_LABELS.values())


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_every_spec_label_is_in_the_official_text(edition_id):
    edition = editions.get(edition_id)
    text = official_text(edition_id)
    labels = spec_labels(edition)
    assert len(labels) > 60
    assert sorted(label for label in labels if squeeze(label) not in text) == []
    assert edition.document in text and edition.title in text


def test_a_label_of_one_edition_only_is_missing_from_the_other_text():
    """The check can fail: 2021's 本年制发件数 is not in the 2019 text, 2019's 采购总金额 not in 2021's."""
    assert "本年制发件数" in spec_labels(editions.get(2021)) and "本年制发件数" not in official_text(2019)
    assert "采购总金额" in spec_labels(editions.get(2019)) and "采购总金额" not in official_text(2021)


# SHA-256 of ../shared/reference/format-<edition>.txt when they were copied: without ../shared the
# copies are checked against these.
REFERENCE_SHA256 = {
    2019: "7ac5236d8d93ca5afa0156d052931410313f1a3e8a2e26933a39d18d5e9881eb",
    2021: "d24e5ca694fffefcaa9ce5a9606db2d2e5eda4aaa149f7cc14446d6ae952bfd0",
}


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_copies_equal_the_shared_reference(edition_id):
    name = f"format-{edition_id}.txt"
    copy = (DATA / name).read_bytes()
    assert hashlib.sha256(copy).hexdigest() == REFERENCE_SHA256[edition_id]
    if (SHARED / "reference").is_dir():
        assert copy == (SHARED / "reference" / name).read_bytes()


# -- documents that list the editions and rules ------------------------------------------------
def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_edition_table_is_the_spec():
    rows = [line for line in readme().splitlines() if re.match(r"\| \d{4} \|", line)]
    expected = [
        f"| {e.id} | {e.document}《{e.title}》 | {e.years}{'（现行）' if e is editions.CURRENT else ''} |"
        for e in editions.EDITIONS.values()
    ]
    assert rows == expected


def test_readme_rule_table_is_the_spec():
    rows = [line for line in readme().splitlines() if re.match(r"\| R[1-4] \|", line)]
    rules = {(r.id, r.table, r.text) for e in editions.EDITIONS.values() for r in table_rules(e)}
    assert rows == [f"| {rid} | {table}{text} |" for rid, table, text in sorted(rules)]


def edition_help(*command: str) -> str:
    from docgen.cli.app import app

    group = typer.main.get_command(app)
    for name in command:
        group = group.commands[name]
    return next(p.help for p in group.params if "--edition" in p.opts)


@pytest.mark.parametrize("command", [("init",), ("template", "export"), ("template", "check")])
def test_edition_help_lists_the_spec(command):
    text = edition_help(*command)
    listed = re.match(r"格式版本：([\d 或]+)", text).group(1)
    assert [int(n) for n in listed.split(" 或 ")] == EDITION_IDS
    current = re.search(r"现行的 (\d{4}) 版", text)
    assert current is None or int(current.group(1)) == editions.CURRENT.id
