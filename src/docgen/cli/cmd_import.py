"""docgen import"""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app
from .output import problem_lines, say


@app.command("import")
def import_command(
    source: Path = typer.Argument(..., metavar="报告文件", readable=False, help="已有的年度报告：PDF、Word（.docx/.doc/.wps/.odt/.rtf）、网页（.html）、复制出的文本（.txt）或工作簿（.xlsx/.xls/.et/.ods）", show_default=False),
    output: Path | None = typer.Option(None, "-o", "--output", metavar="文件", help="要写出的输入文件（.yaml），默认与报告同名、同文件夹", show_default=False),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的文件"),
) -> None:
    """导入已有的年度报告，生成输入文件（.yaml）。

    表二、表三、表四按官方标签（而不是位置）查找，正文按“一、”至“六、”标题拆分，格式版本由标签识别；繁体并带拼音注音的文本会去除注音并转为简体。PDF 的表格从 PDF 本身读取；从 PDF 阅读器、网页复制的文本按行标签和印出的总计拆分，无法唯一拆分的表会指明行并给出原文；旧版办公格式由 LibreOffice 先转换。

    原表印出的总计与各项之和不符、正文数字与表格不符时给出警告，指明单元格。

    退出码：0 已导入（可能有警告），2 文件无法作为年度报告读取（如扫描件、缺少某张表、数字无法可靠读取），不写出文件。
    """
    from ..rules.checks import ERROR
    from ..errors import DocgenError, Problem
    from ..fsutil import refuse_own_input, write_text
    from ..importers import KINDS, import_file, input_file_text

    target = output or source.with_suffix(".yaml")
    refuse_own_input(target, source, "导入")
    if target.exists() and not force:
        raise DocgenError(f"“{target}”已存在；如需覆盖请加 --force")
    imported = import_file(source)
    _refuse_too_large(input_file_text(imported, source.name, []), target)  # before the (slower) checks
    findings = imported.findings()
    text = input_file_text(imported, source.name, findings)
    problem_lines(imported.warnings + [Problem(str(source), None, f.where, f"[{f.rule}] {f.what}", "warning") for f in findings])
    _refuse_too_large(text, target)
    write_text(target, text)
    report = imported.report
    errors = sum(1 for f in findings if f.level == ERROR)
    notes = [f"{KINDS[imported.kind]}", f"{report.edition}版格式"]
    if imported.converted_from:
        notes[0] = f"{imported.converted_from} 经 LibreOffice 转换"
    if imported.traditional:
        notes.append("已由繁体转为简体")
    if errors:
        notes.append(f"原表数字有 {errors} 处不一致，见上方警告")
    say(f"已导入 {source} → {target}（{report.agency} {report.year}年度，{'，'.join(notes)}）")


def _refuse_too_large(text: str, target: Path) -> None:
    """DocgenError when the input file would be larger than check and render read."""
    from ..errors import DocgenError
    from ..textio import MAX_INPUT_BYTES

    size = len(text.encode("utf-8"))
    if size > MAX_INPUT_BYTES:
        raise DocgenError(
            f"导入结果过大（{size // 1024} KB），超过输入文件的上限 {MAX_INPUT_BYTES // 1024 // 1024} MB，"
            f"没有写出“{target}”；原文件的正文可能混入了大量无关内容"
        )
