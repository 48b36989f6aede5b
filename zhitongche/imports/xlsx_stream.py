"""A streaming `.xlsx` reader with constant memory, for sheets too big for python-calamine (which holds the
whole sheet in memory, about 1.1 KB per 12-column row: a million rows would take more than 1 GB).

Reads the first visible worksheet row by row with the standard library's expat parser, resolving shared
strings, inline strings, booleans, formula results (the cached value) and date-formatted numbers the way
calamine does. Merged areas are at the end of the sheet's XML, so `merged` is filled once the rows are read.
"""

import datetime
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import iterparse as _iterparse  # noqa: S405 — guarded by _guarded below

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
EPOCH = datetime.datetime(1899, 12, 30)
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


class StreamError(Exception):
    """The package is not a readable workbook."""


class _Guarded(io.RawIOBase):
    """A member of the package that refuses document type declarations: spreadsheet XML never has one, and
    refusing them rules out entity tricks (expat 2.4+ already limits entity expansion; this is belt and braces)."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        head = raw.read(4096)
        if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
            raise StreamError("document type declarations are not allowed")
        self.head = head

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.head or self.raw.read(len(buffer))
        self.head = b""
        n = len(data)
        buffer[:n] = data
        return n


def iterparse(source: IO[bytes], events: Any = ("end",)) -> Iterator[tuple[str, Any]]:
    """ElementTree's iterparse over a guarded stream."""
    return _iterparse(io.BufferedReader(_Guarded(source), 1 << 16), events=events)  # noqa: S314 — guarded


def column_index(letters: str) -> int:
    """A → 0, Z → 25, AA → 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _is_date_format(code: str) -> bool:
    text = _QUOTED.sub("", code).lower()
    return any(ch in text for ch in "yd") or ("m" in text and ("h" in text or "s" in text))


class XlsxStream:
    """The first visible worksheet of a workbook, as (row number, values) one row at a time."""

    def __init__(self, path: str):
        self.zip = zipfile.ZipFile(path)
        self.sheet_path = self._first_visible_sheet()
        self.date_styles = self._date_styles()
        self.strings = self._shared_strings()
        self.merged: list[tuple[int, int, int, int]] = []

    def close(self) -> None:
        """Close the package."""
        self.zip.close()

    def _first_visible_sheet(self) -> str:
        try:
            rels = {}
            for _, el in iterparse(self.zip.open("xl/_rels/workbook.xml.rels")):
                if el.tag == f"{PKG_NS}Relationship" and el.get("Type", "").endswith("/worksheet"):
                    target = el.get("Target", "")
                    rels[el.get("Id")] = target.lstrip("/") if target.startswith("/") else \
                        posixpath.normpath(posixpath.join("xl", target))
            for _, el in iterparse(self.zip.open("xl/workbook.xml")):
                if el.tag == f"{NS}sheet" and el.get("state", "visible") == "visible" and el.get(f"{REL_NS}id") in rels:
                    return rels[el.get(f"{REL_NS}id")]
        except KeyError as exc:
            raise StreamError("not a workbook") from exc
        raise StreamError("no visible worksheet")

    def _date_styles(self) -> set[int]:
        if "xl/styles.xml" not in self.zip.namelist():
            return set()
        formats: dict[int, str] = {}
        styles: list[int] = []
        in_xfs = False
        for event, el in iterparse(self.zip.open("xl/styles.xml"), events=("start", "end")):
            if el.tag == f"{NS}cellXfs":
                in_xfs = event == "start"
            elif event == "end" and el.tag == f"{NS}numFmt":
                formats[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
            elif event == "end" and el.tag == f"{NS}xf" and in_xfs:
                styles.append(int(el.get("numFmtId", "0")))
        return {i for i, fmt in enumerate(styles)
                if fmt in DATE_FORMAT_IDS or (fmt in formats and _is_date_format(formats[fmt]))}

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.zip.namelist():
            return []
        strings: list[str] = []
        for _, el in iterparse(self.zip.open("xl/sharedStrings.xml")):
            if el.tag == f"{NS}si":
                strings.append("".join(t.text or "" for t in el.iter(f"{NS}t")
                                       if t not in {x for r in el.iter(f"{NS}rPh") for x in r}))
                el.clear()
        return strings

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Each non-empty row: its number as the spreadsheet shows it, and its cell values from column A."""
        c_tag, v_tag, row_tag, t_tag, is_tag = f"{NS}c", f"{NS}v", f"{NS}row", f"{NS}t", f"{NS}is"
        merge_tag, sheet_data_tag = f"{NS}mergeCell", f"{NS}sheetData"
        strings, date_styles = self.strings, self.date_styles
        parent = None
        number = 0
        for event, el in iterparse(self.zip.open(self.sheet_path), events=("start", "end")):
            if event == "start":
                if el.tag == sheet_data_tag:
                    parent = el
                continue
            if el.tag == row_tag:
                number = int(el.get("r") or number + 1)
                values: list[Any] = []
                for c in el.iter(c_tag):
                    ref = c.get("r")
                    if ref:
                        m = _CELL_REF.match(ref)
                        index = column_index(m.group(1)) if m else len(values)
                    else:
                        index = len(values)
                    while len(values) < index:
                        values.append("")
                    kind = c.get("t", "n")
                    v = c.find(v_tag)
                    text = v.text if v is not None else None
                    if kind == "s":
                        value: Any = strings[int(text)] if text is not None else ""
                    elif kind == "inlineStr":
                        node = c.find(is_tag)
                        value = "".join(t.text or "" for t in node.iter(t_tag)) if node is not None else ""
                    elif kind in ("str", "e"):
                        value = text or ""
                    elif kind == "b":
                        value = text == "1"
                    elif kind == "d":
                        value = datetime.datetime.fromisoformat(text) if text else ""
                    elif text is None:
                        value = ""
                    else:
                        value = float(text)
                        if int(c.get("s", "0")) in date_styles:
                            moment = EPOCH + datetime.timedelta(days=value)
                            value = moment.date() if value.is_integer() else moment
                    values.append(value)
                if parent is not None:
                    parent.clear()  # keep memory constant: drop the rows already read
                yield number, values
            elif el.tag == merge_tag:
                first, _, last = (el.get("ref") or "").partition(":")
                a, b = _CELL_REF.match(first), _CELL_REF.match(last or first)
                if a and b:
                    self.merged.append((int(a.group(2)), column_index(a.group(1)) + 1,
                                        int(b.group(2)), column_index(b.group(1)) + 1))
