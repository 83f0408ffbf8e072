"""Errors the client raises: the server's `Status` as an exception, and the cases
callers must tell apart (410 Gone means relist; no server reachable means back off)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """The API answered with a failure `Status` (or a non-2xx without one)."""

    def __init__(self, code: int, reason: str, message: str, status: dict[str, Any] | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.status = status or {}
        self.retry_after = retry_after

    @classmethod
    def from_status(cls, code: int, body: Any, retry_after: float | None = None) -> ApiError:
        """Build from a response body; a body that is not a Status still gives a useful message."""
        if isinstance(body, dict) and body.get("kind") == "Status":
            error_type = GoneError if int(body.get("code") or code) == 410 else cls
            return error_type(int(body.get("code") or code), str(body.get("reason", "")),
                              str(body.get("message", "")) or f"the server answered {code}", body, retry_after)
        text = body if isinstance(body, str) else ""
        message = text.strip()[:300] or f"the server answered {code}"
        error_type = GoneError if code == 410 else cls
        return error_type(code, _REASONS.get(code, "Unknown"), message, None, retry_after)

    @property
    def details(self) -> dict[str, Any]:
        return self.status.get("details") or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.reason!r}, {self.message!r})"


class GoneError(ApiError):
    """410: the resourceVersion asked for has been compacted away; list again."""


class ApiConnectionError(Exception):
    """The transport failed: no API server could be reached (every one was tried), or, with
    `broken`, the connection broke after the request was sent (a reset, a server that went
    away mid-answer, a truncated body or watch line, a timeout), so it may have been acted on.

    Every aiohttp and socket failure reaches callers as this one type: a watch loop needs
    only this, ApiError and GoneError to decide between back-off, rewatch and relist."""

    def __init__(self, urls: list[str], cause: BaseException | None, *, broken: bool = False) -> None:
        where = ", ".join(urls)
        detail = f": {_describe(cause)}" if cause is not None else ""
        verb = "lost the connection to" if broken else "cannot connect to"
        super().__init__(f"{verb} the API server at {where}{detail}")
        self.urls = urls
        self.cause = cause
        self.broken = broken


def _describe(cause: BaseException) -> str:
    """aiohttp's errors often have no text of their own (a TimeoutError none at all): name the type too."""
    text = str(cause).strip()
    if not text or isinstance(cause, TimeoutError):
        return type(cause).__name__ if not text else f"{type(cause).__name__}: {text}"
    if type(cause).__module__.startswith("aiohttp"):
        return f"{type(cause).__name__}: {text}"
    return text


class ConfigError(Exception):
    """A kubeconfig (or explicit connection settings) that cannot be used."""


_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
            409: "Conflict", 410: "Expired", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType",
            422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
            504: "Timeout"}
