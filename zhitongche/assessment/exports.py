"""Result tables as .xlsx downloads."""

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """One sheet with a bold header row, sent as an attachment."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(10, 2 * len(str(header)) + 2)
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def read_rows(upload: Any, max_rows: int = 20000) -> list[list[Any]]:
    """The first sheet of an uploaded .xlsx as lists of cell values; ValueError when it is not a workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise ValueError("不是有效的 .xlsx 文件") from exc
    sheet = book.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(list(row))
        if len(rows) > max_rows:
            raise ValueError(f"文件超过 {max_rows} 行")
    book.close()
    return rows
