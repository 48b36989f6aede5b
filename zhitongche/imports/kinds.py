"""The kind registry: each importable template declares its columns and validates and writes its rows.

A handler (subclass of `ImportKind`) is registered with `register_kind(kind, handler)` from its app's
`ready()`; the framework reads the file, cleans each cell by its column type, reports missing and invalid
values, rejects repeated keys (`duplicate_in_file`, the first stands) and hands the rest to the handler.
"""

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from zhitongche.core.errors import InvalidInput


class _Keep:
    """A column absent from the file: an existing value stays as it is. Pickles as this module's KEEP, so that
    `value is KEEP` still holds after a batch went through the spool or the pipelined import's pipe."""

    def __reduce__(self) -> str:
        return "KEEP"

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


@dataclasses.dataclass(frozen=True)
class Column:
    """One template column: key, Chinese header, whether required, its type and (for coded columns) choices."""

    key: str
    header: str
    required: bool = False
    type: str = "text"  # text | phone | date | int | choice | multichoice
    choices: tuple[str, ...] = ()  # Chinese labels shown in the template's drop-down
    max_length: int = 200
    help: str = ""
    width: int = 18


@dataclasses.dataclass
class RowError:
    """One rejected cell (or row, when column is empty)."""

    row: int
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The CONTRACT.md §4 error entry."""
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


class ImportKind:
    """Base class of a template kind; subclasses set `key`, `title`, `columns` and implement the hooks."""

    key: str = ""
    title: str = ""
    columns: Sequence[Column] = ()
    unique_key: str | None = None  # a repeated value of this column in one file is `duplicate_in_file`
    instructions: Sequence[str] = ()

    def may_import(self, user: Any) -> bool:
        """Whether `user` may import this kind at all (row-level responsibility is checked per row)."""
        return False

    def prepare(self, user: Any) -> Any:
        """Load what validation needs once (lookups of codes); returns a context passed to the other hooks."""
        return None

    def validate(self, ctx: Any, row: int, values: dict[str, Any]) -> tuple[Any, list[RowError]]:
        """Check one cleaned row; return the record to write (or None) and its errors."""
        raise NotImplementedError

    def review(self, ctx: Any, records: list[Any]) -> tuple[list[Any], list[RowError]]:
        """After every row passed `validate`: checks against the database in batches (e.g. who may change an
        existing object); returns the records that stay and the errors of those that were dropped."""
        return records, []

    def write(self, ctx: Any, records: list[Any], actor: Any, dry_run: bool) -> tuple[int, int]:
        """Write the valid records inside the caller's transaction (with `dry_run`, only count);
        returns (created, updated)."""
        raise NotImplementedError

    def finish(self, ctx: Any) -> None:  # noqa: B027 — an optional hook
        """Called inside the transaction after a successful write (summary tables and the like)."""

    def dropdowns(self) -> dict[str, dict[str, str]]:
        """Column key → the values offered in the template's drop-down, each with its name when the value is a code
        (the template's 代码对照 sheet lists them), else "" (default: the column's choices)."""
        return {c.key: dict.fromkeys(c.choices, "") for c in self.columns if c.choices}

    def sample_rows(self) -> list[list[str]]:
        """Example rows shown on the instructions sheet."""
        return []


_kinds: dict[str, ImportKind] = {}


def register_kind(kind: str, handler: ImportKind) -> None:
    """Make `kind` importable through the API, `ztc import` and the web page."""
    handler.key = kind
    _kinds[kind] = handler


def get_kind(kind: str) -> ImportKind:
    """The handler of `kind`, or InvalidInput(unknown_kind)."""
    handler = _kinds.get(kind or "")
    if handler is None:
        raise InvalidInput(f"未知的模板类型 {kind}；可选：{'、'.join(sorted(_kinds))}", code="unknown_kind")
    return handler


def all_kinds() -> Iterable[ImportKind]:
    """Every registered kind, by key."""
    return [_kinds[k] for k in sorted(_kinds)]
