"""Errors the CLI prints as one line, and the translation of client errors into them."""

from __future__ import annotations

from kube.client.errors import ApiConnectionError, ApiError, ConfigError
from kube.component.errors import UsageError as CliError

__all__ = ["CliError", "error_line"]


def error_line(exc: BaseException) -> str | None:
    """The one-line text for an error the user can act on; None for a bug (let it surface)."""
    if isinstance(exc, ApiError):
        if exc.code == 401:
            return f"You must be logged in to the server ({exc.message or 'Unauthorized'})"
        return exc.message.replace("\n", " ")
    if isinstance(exc, ApiConnectionError | ConfigError | CliError):
        return str(exc).replace("\n", " ")
    if isinstance(exc, OSError):
        return f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}"
    return None
