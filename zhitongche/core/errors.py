"""The one error type that services raise; the API and the CLI turn it into their error shapes."""

from typing import Any


class DomainError(Exception):
    """A refused request: machine code, Chinese message, HTTP status and optional details."""

    def __init__(self, code: str, message: str, status: int = 422, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        """The CONTRACT.md §3 error body."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class NotFound(DomainError):
    """Absent, or outside the caller's scope (we never say which)."""

    def __init__(self, message: str = "对象不存在或无权访问", code: str = "not_found",
                 details: dict[str, Any] | None = None):
        super().__init__(code, message, status=404, details=details)


class Forbidden(DomainError):
    """The caller may see the object but not do this to it."""

    def __init__(self, message: str = "无权执行此操作", code: str = "forbidden"):
        super().__init__(code, message, status=403)


class InvalidInput(DomainError):
    """Input that fails validation before any rule is consulted."""

    def __init__(self, message: str, code: str = "invalid_input", details: dict[str, Any] | None = None):
        super().__init__(code, message, status=400, details=details)


class Conflict(DomainError):
    """The action is not allowed in the object's current state."""

    def __init__(self, message: str, code: str = "invalid_state", details: dict[str, Any] | None = None):
        super().__init__(code, message, status=409, details=details)
