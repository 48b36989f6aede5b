"""Reading an uploaded template: `.xlsx` (first visible sheet, python-calamine) or UTF-8 `.csv`, row by row.

Big sheets (more than about 300,000 rows) are read by `xlsx_stream` in constant memory instead.
Decisions (docs/imports.md): the file's content decides its format, not only its name; formula cells are
read as the value Excel cached when the file was saved (a formula saved without one reads as empty);
hidden sheets are skipped, so "the first sheet" is the first one a person sees; cells inside a merged
area are reported (`merged_cell`) instead of guessing which rows the value was meant for.
"""

import csv
import datetime
import io
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError  # noqa: S405

from zhitongche.core.errors import InvalidInput

from .xlsx_stream import StreamError, XlsxStream

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
SPREADSHEET_EXT = {".xlsx", ".xlsm"}
CSV_EXT = {".csv"}
# python-calamine is the fast reader but holds the whole sheet in memory (about 1.1 KB per 12-column row);
# a sheet whose XML is bigger than this is read by the streaming reader instead, in constant memory.
STREAM_OVER_BYTES = 200 * 1024 * 1024


class FileRejected(InvalidInput):
    """The file as a whole cannot be read; nothing of it is imported."""


class Table:
    """A readable sheet: its header cells, its merged areas and an iterator over its data rows."""

    def __init__(self, rows: Iterator[tuple[int, list[Any]]], merged: list[tuple[int, int, int, int]] | None = None,
                 estimate: int = 0, merged_at_end: bool = False):
        self._rows = rows
        self.estimate = estimate  # about how many rows, for the progress bar
        self.merged = merged if merged is not None else []
        self.merged_at_end = merged_at_end  # a streamed sheet fills `merged` once its rows are read
        self.header_row, self.header = self._first_non_empty()

    def _first_non_empty(self) -> tuple[int, list[Any]]:
        for number, values in self._rows:
            if any(v not in ("", None) for v in values):
                return number, values
        raise FileRejected("文件是空的：没有表头，也没有数据行", code="empty_file")

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(spreadsheet row number, raw cell values) of each row after the header, empty rows skipped."""
        for number, values in self._rows:
            if any(v not in ("", None) for v in values):
                yield number, values


def open_table(path: str | os.PathLike[str], file_name: str) -> Table:
    """Open an uploaded file as a Table, or raise FileRejected with a Chinese reason and a code."""
    ext = Path(file_name).suffix.lower()
    size = os.path.getsize(path)
    if size == 0:
        raise FileRejected("文件是空的（0 字节）", code="empty_file")
    with open(path, "rb") as f:
        head = f.read(8192)
    if head.startswith(OLE_MAGIC):
        raise FileRejected("这是旧版 .xls 文件，请在 Excel 中“另存为” .xlsx 后再上传", code="unsupported_format")
    if head.startswith(ZIP_MAGIC):
        return _open_xlsx(path)
    if ext in SPREADSHEET_EXT:
        raise FileRejected("文件扩展名是 .xlsx，但内容不是 Excel 工作簿（可能是改了扩展名的其他文件）",
                           code="not_spreadsheet")
    if ext not in CSV_EXT:
        raise FileRejected("只接受 .xlsx 或 UTF-8 编码的 .csv 文件", code="unsupported_format")
    if b"\x00" in head:
        raise FileRejected("文件内容不是文本表格（可能是改了扩展名的其他文件）", code="not_spreadsheet")
    return Table(_csv_rows(path), estimate=size // 120)


def _open_xlsx(path: str | os.PathLike[str]) -> Table:
    try:
        stream = XlsxStream(str(path))
    except (zipfile.BadZipFile, StreamError, ParseError, KeyError, ValueError) as exc:
        raise FileRejected("文件已损坏或不是 Excel 工作簿（可能是改了扩展名的其他文件）",
                           code="not_spreadsheet") from exc
    size = stream.zip.getinfo(stream.sheet_path).file_size if stream.sheet_path in stream.zip.namelist() else 0
    if size > STREAM_OVER_BYTES:
        return Table(_streamed(stream), stream.merged, estimate=size // 700, merged_at_end=True)
    stream.close()
    return _open_with_calamine(path)


def _streamed(stream: XlsxStream) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from stream.rows()
    except (ParseError, ValueError, IndexError, zipfile.BadZipFile) as exc:
        raise FileRejected("工作表内容已损坏，无法读取", code="not_spreadsheet") from exc
    finally:
        stream.close()


def _open_with_calamine(path: str | os.PathLike[str]) -> Table:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        visible = [i for i, m in enumerate(workbook.sheets_metadata)
                   if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet]
        if not visible:
            raise FileRejected("工作簿中没有可见的工作表", code="empty_file")
        sheet = workbook.get_sheet_by_index(visible[0])
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises several types for broken or foreign zip files
        raise FileRejected("文件已损坏或不是 Excel 工作簿（可能是改了扩展名的其他文件）",
                           code="not_spreadsheet") from exc
    start = sheet.start
    if start is None:
        raise FileRejected("第一个工作表是空的", code="empty_file")
    offset = start[1]
    merged = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # iter_rows hands rows to Python one at a time; rows are absolute from row 1, columns from the
        # first used column, so pad to keep column numbers true to the sheet.
        pad = [""] * offset
        for index, values in enumerate(sheet.iter_rows()):
            yield index + 1, (pad + values) if offset else values

    return Table(rows(), merged, sheet.total_height)


def _csv_rows(path: str | os.PathLike[str]) -> Iterator[tuple[int, list[Any]]]:
    raw = open(path, "rb")  # noqa: SIM115 — closed by the generator below
    try:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        try:
            for index, values in enumerate(csv.reader(text)):
                yield index + 1, values
        except UnicodeDecodeError as exc:
            raise FileRejected("文件不是 UTF-8 编码（可能是 GBK）：请在 Excel 中另存为“CSV UTF-8”，或上传 .xlsx",
                               code="not_utf8") from exc
        except csv.Error as exc:
            raise FileRejected(f"CSV 格式错误：{exc}", code="not_spreadsheet") from exc
    finally:
        raw.close()


# --- cells -----------------------------------------------------------------------------------------------

# Full-width digits and Latin letters (U+FF10–FF19, FF21–FF3A, FF41–FF5A) fold to half-width, as NFKC
# would; other full-width punctuation such as （） stays, because names use it on purpose.
FOLD = {cp: cp - 0xFEE0 for cp in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
FOLD[0x3000] = 0x20  # ideographic space
STRIP = " \t\r\n\u00a0\u3000\ufeff\u200b"
EXCEL_EPOCH = datetime.date(1899, 12, 30)


_FOLDABLE = re.compile("[" + "".join(map(chr, FOLD)) + "]").search


def fold(text: str) -> str:
    """Trim, and fold full-width digits and letters to half-width."""
    # Most non-ASCII cells are Chinese text with nothing to fold; searching is cheaper than translating.
    return (text.translate(FOLD) if _FOLDABLE(text) else text).strip(STRIP)


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious ".0", dates as YYYY-MM-DD, everything trimmed and folded."""
    if type(value) is str:  # the common case first: this runs for every cell of every row
        if value.isascii():
            return value.strip()
        return fold(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta | datetime.time):
        return str(value)
    return fold(str(value))


def cell_date(value: Any) -> datetime.date | None:
    """A date cell: a real date, an Excel serial number (1900 system) or text like 2025-3-1 / 2025年3月1日.

    Raises ValueError when it is none of these.
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            raise ValueError(value)
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = cell_text(value)
    if not text:
        return None
    if text.isdigit() and len(text) <= 6:  # a serial number that arrived as text (CSV)
        return cell_date(int(text))
    for sep in ("年", "/", "."):
        text = text.replace(sep, "-")
    text = text.replace("月", "-").replace("日", "")
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
    raise ValueError(value)
