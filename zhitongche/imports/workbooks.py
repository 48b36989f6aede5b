"""Excel files written with openpyxl: the blank template of a kind, and the error workbook of a job."""

import io
from collections import defaultdict
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .kinds import ImportKind, get_kind
from .models import ImportJob
from .reader import open_table

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TEMPLATE_ROWS = 5000  # rows the drop-downs cover


def template(kind: str) -> bytes:
    """The kind's blank template: Chinese headers, drop-downs for coded columns, an instructions sheet."""
    handler = get_kind(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = handler.title[:31] or kind
    codes = wb.create_sheet("代码表")
    for i, column in enumerate(handler.columns, start=1):
        cell = ws.cell(row=1, column=i, value=column.header)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        if column.required:
            cell.comment = Comment("必填", "政企直通车")
        ws.column_dimensions[get_column_letter(i)].width = column.width
    dropdowns = handler.dropdowns()
    for c_index, column in enumerate(handler.columns, start=1):
        values = dropdowns.get(column.key)
        if not values:
            continue
        letter = get_column_letter(c_index)
        codes.cell(row=1, column=c_index, value=column.header).font = Font(bold=True)
        for r, v in enumerate(values, start=2):
            codes.cell(row=r, column=c_index, value=v)
        source = f"{quote_sheetname(codes.title)}!${letter}$2:${letter}${len(values) + 1}"
        # Multi-choice columns may join several values, so their list is a suggestion, not a rule.
        strict = column.type != "multichoice"
        dv = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=strict,
                            errorTitle="无效值", error=f"请从下拉列表中选择“{column.header}”")
        dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        ws.add_data_validation(dv)
    # Columns formatted as text, so that codes and phone numbers keep their leading zeros (a column
    # style, not cell styles: the sheet stays without rows for tools that append to it).
    for i in range(1, len(handler.columns) + 1):
        ws.column_dimensions[get_column_letter(i)].number_format = "@"
    ws.freeze_panes = "A2"
    _code_names(wb, handler, dropdowns)
    _instructions(wb, handler)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _code_names(wb: Workbook, handler: ImportKind, dropdowns: dict[str, dict[str, str]]) -> None:
    """A sheet 代码对照 naming every code offered in a drop-down (the lists themselves hold bare codes, which is what
    the cells must contain)."""
    rows = [(column.header, code, name) for column in handler.columns
            for code, name in dropdowns.get(column.key, {}).items() if name]
    if not rows:
        return
    sheet = wb.create_sheet("代码对照")
    sheet.append(["栏目", "代码", "名称"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 40
    sheet.freeze_panes = "A2"


def _instructions(wb: Workbook, handler: ImportKind) -> None:
    sheet = wb.create_sheet("填写说明")
    sheet.append([handler.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for n, line in enumerate(handler.instructions, start=1):
        sheet.append([f"{n}. {line}"])
    sheet.append([])
    sheet.append(["列名", "键名", "必填", "说明"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for c in handler.columns:
        choices = "、".join(c.choices)
        sheet.append([c.header, c.key, "是" if c.required else "", "；".join(x for x in (c.help, choices) if x)])
    sheet.append([])
    sheet.append(["示例"])
    for row in handler.sample_rows():
        sheet.append(row)
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["D"].width = 60


def error_workbook(job: ImportJob) -> bytes:
    """The rejected rows of a job as they were uploaded, each bad cell filled red with the reason as a comment
    and a last column 错误说明; re-uploading the fixed workbook imports them."""
    handler = get_kind(job.kind)
    by_row: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in job.errors or []:
        by_row[e["row"]].append(e)
    table = open_table(job.stored_path, job.file_name)
    wb = Workbook()
    ws = wb.active
    ws.title = "错误清单"
    header = [str(h) if h is not None else "" for h in table.header]
    while header and header[-1] == "":
        header.pop()
    ws.append([*header, "原行号", "错误说明"])
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    position = {h: i for i, h in enumerate(header)}
    for h, i in list(position.items()):
        for c in handler.columns:
            if h.lower() == c.key:
                position[c.header] = i
    out_row = 2
    for number, values in table.rows():
        problems = by_row.get(number)
        if not problems:
            continue
        cells = list(values[:len(header)]) + [""] * (len(header) - len(values))
        ws.append([*cells, number, "；".join(p["message"] for p in problems)])
        for p in problems:
            col = position.get(p["column"])
            if col is None:
                continue
            cell = ws.cell(row=out_row, column=col + 1)
            cell.fill = BAD_FILL
            note = f"{p['message']}（{p['code']}）"
            cell.comment = Comment(note if cell.comment is None else f"{cell.comment.text}\n{note}", "政企直通车")
        out_row += 1
    for i in range(1, len(header) + 3):
        ws.column_dimensions[get_column_letter(i)].width = 20
    ws.column_dimensions[get_column_letter(len(header) + 2)].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
