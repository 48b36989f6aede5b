"""Building template files and registry data for the tests."""

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl

from zhitongche.registry.identifiers import make_uscc

HEADERS = ["统一社会信用代码", "企业名称", "市场主体类型", "法定代表人", "企业类别", "经营状态", "所属区县代码",
           "乡镇(街道)代码", "国民经济行业代码", "联系人", "联系电话", "管家手机号"]


def ent_row(serial: int, *, region: str = "210302", township: str = "210302002", category: str = "其他",
            name: str | None = None, phone: str = "13800000000", steward: str = "", **over: Any) -> list[Any]:
    """One valid enterprises row."""
    row = {"uscc": make_uscc(region, serial), "name": name or f"测试企业{serial}", "kind": "企业", "legal_rep": "张三",
           "category": category, "status": "投产运营", "region": region, "township": township, "industry": "C31",
           "contact": "李四", "phone": phone, "steward_phone": steward}
    row.update(over)
    return list(row.values())


def xlsx(path: Path, rows: list[list[Any]], headers: list[str] | None = None) -> Path:
    """A workbook with the header row and `rows` on its first sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers or HEADERS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def csv_file(path: Path, rows: list[list[Any]], headers: list[str] | None = None, bom: bool = False) -> Path:
    """A UTF-8 CSV (optionally with a BOM)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers or HEADERS)
    w.writerows(rows)
    path.write_bytes(("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8"))
    return path
