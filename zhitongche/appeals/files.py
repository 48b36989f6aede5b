"""Attachment checks: an allow-list of types verified by their first bytes, and a size limit."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from zhitongche.core.errors import InvalidInput

log = logging.getLogger(__name__)
ZIP = b"PK\x03\x04"
# extension → (content type, leading bytes the file must start with)
ALLOWED: dict[str, tuple[str, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
}
MAX_FILES = 5


def max_bytes() -> int:
    """The size limit per file (setting ZTC_APPEAL_ATTACHMENT_MAX_BYTES, 10 MB by default)."""
    return int(getattr(settings, "ZTC_APPEAL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file that passed the checks, with its trusted type."""

    upload: Any
    name: str
    content_type: str
    size: int


def check_files(uploads: list[Any]) -> list[CheckedFile]:
    """Validate every upload (type by extension and magic bytes, size, count) before anything is stored."""
    if len(uploads) > MAX_FILES:
        raise InvalidInput(f"每次最多上传 {MAX_FILES} 个附件", code="too_many_files")
    checked = []
    limit = max_bytes()
    for upload in uploads:
        name = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or "附件"
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in ALLOWED:
            raise InvalidInput(f"附件 {name} 的类型不允许；可上传：{'、'.join(sorted(ALLOWED))}",
                               code="file_type_not_allowed", details={"file": name})
        size = int(getattr(upload, "size", 0) or 0)
        if size <= 0:
            raise InvalidInput(f"附件 {name} 是空文件", code="empty_file", details={"file": name})
        if size > limit:
            raise InvalidInput(f"附件 {name} 超过 {limit // (1024 * 1024)} MB", code="file_too_large",
                               details={"file": name, "limit": limit})
        content_type, magic = ALLOWED[ext]
        upload.seek(0)
        head = upload.read(len(magic))
        upload.seek(0)
        if head != magic:
            raise InvalidInput(f"附件 {name} 的内容与扩展名不符", code="file_content_mismatch",
                               details={"file": name})
        checked.append(CheckedFile(upload, name, content_type, size))
    return checked


@contextmanager
def removed_on_failure() -> Iterator[list[Any]]:
    """Collects the files (FieldFile) stored inside a transaction and deletes them again if it fails:
    the rows roll back, the files on disk would otherwise stay behind."""
    stored: list[Any] = []
    try:
        yield stored
    except BaseException:
        for field_file in stored:
            try:
                field_file.storage.delete(field_file.name)
            except OSError:  # the original failure is what the caller must see
                log.warning("could not delete attachment file %s", field_file.name, exc_info=True)
        raise
