"""Look of the auditors' workbook: Chinese faces, borders, fills, number formats, print setup."""

from __future__ import annotations

from decimal import Decimal

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet

from ..editions.types import Kind
from ..report.model import DEFAULT_UNIT, Amount

GB2312 = 134  # font charset: tells Excel and LibreOffice the face is a Chinese (East Asian) one
BODY_FACE = "仿宋"
HEADER_FACE = "黑体"

BODY = Font(name=BODY_FACE, size=11, charset=GB2312)
BOLD_BODY = Font(name=BODY_FACE, size=11, bold=True, charset=GB2312)
HEADER = Font(name=HEADER_FACE, size=11, charset=GB2312)
TITLE = Font(name=HEADER_FACE, size=14, charset=GB2312)
NOTE = Font(name=BODY_FACE, size=10, charset=GB2312)

INPUT_COLOR = "FFF2CC"  # light yellow: typed figures
INPUT_FILL = PatternFill("solid", fgColor=INPUT_COLOR)
RULE_FILL = PatternFill("solid", fgColor="EDEDED")
FAIL_FILL = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
FAIL_FONT = Font(color="9C0006", bold=True)

_THIN = Side(style="thin", color="000000")
GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
VERTICAL = Alignment(horizontal="center", vertical="center", text_rotation=255, wrap_text=True)  # stacked characters
NUMBER = Alignment(horizontal="right", vertical="center")

UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

COUNT_FORMAT = "0"
TITLE_POINTS = 28.0


def decimals_of(value: Decimal) -> int:
    """How many decimals a number was written with (24252.311082 -> 6, 25.10 -> 2, 3 -> 0)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def number_format(kind: Kind, value: object = None) -> str:
    """The number format of a typed figure.

    Counts (and 2019 本年增/减, which may be negative) are integers. Money keeps exactly the
    decimals it was written with. An amount (2019 采购总金额) shows its unit after the number —
    元 or 万元 as written, 万元 when written bare — so the cell stays a number a formula can use while reading as it was written.
    """
    if kind in (Kind.COUNT, Kind.CHANGE):
        return COUNT_FORMAT
    amount = value if isinstance(value, Amount) else None
    number = amount.value if amount else value
    places = decimals_of(number) if isinstance(number, Decimal) else 0
    digits = "0." + "0" * places if places else "0"
    unit = (amount.unit or DEFAULT_UNIT) if amount or kind is Kind.AMOUNT else ""
    return f'{digits}"{unit}"' if unit else digits


def cell_value(value: object) -> object:
    """What goes into the cell for a model value: an Amount's number, anything else as is."""
    return value.value if isinstance(value, Amount) else value


PAGE_FOOTER = "&A　第 &P 页，共 &N 页"  # sheet name, page number and count, on every printed page


def setup_page(ws: Worksheet, freeze: str | None, print_titles: str | None, landscape: bool = True, one_page: bool = False) -> None:
    """A4, one page wide (and one page tall when ``one_page``), centred, the page number in the
    footer; panes frozen and header rows repeated where given."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.oddFooter.center.text = PAGE_FOOTER
    ws.oddFooter.center.size = 9
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if freeze:
        ws.freeze_panes = freeze
    if print_titles:
        ws.print_title_rows = print_titles


def protect(ws: Worksheet) -> None:
    """Protect a sheet without a password; column widths and row heights stay adjustable."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
