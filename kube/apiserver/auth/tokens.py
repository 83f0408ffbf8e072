"""Static bearer tokens from a Kubernetes token file (`--token-auth-file`).

Format (CSV, one token per line): `token,user,uid[,"group1,group2"]`. Blank
lines and lines starting with `#` are skipped. A malformed file is a startup
error with the line number, never a silent hole in authentication.
"""

from __future__ import annotations

import csv
import hmac
import io
from dataclasses import dataclass

from kube.apiserver.auth.user import UserInfo


class TokenFileError(ValueError):
    """The token file cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class TokenEntry:
    token: str
    user: UserInfo
    uid: str


def parse_token_file(text: str, source: str = "token file") -> dict[str, TokenEntry]:
    entries: dict[str, TokenEntry] = {}
    for lineno, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 3:
            raise TokenFileError(f"{source}:{lineno}: expected at least 3 columns (token,user,uid), got {len(row)}")
        token, name, uid = row[0].strip(), row[1].strip(), row[2].strip()
        if not token or not name:
            raise TokenFileError(f"{source}:{lineno}: token and user must not be empty")
        if token in entries:
            raise TokenFileError(f"{source}:{lineno}: duplicate token")
        groups = tuple(g.strip() for g in row[3].split(",") if g.strip()) if len(row) > 3 else ()
        entries[token] = TokenEntry(token, UserInfo(name, groups, uid), uid)
    return entries


def load_token_file(path: str) -> dict[str, TokenEntry]:
    try:
        with open(path, encoding="utf-8") as f:
            return parse_token_file(f.read(), path)
    except OSError as exc:
        raise TokenFileError(f"cannot read token file {path}: {exc.strerror}") from exc


class TokenAuthenticator:
    def __init__(self, entries: dict[str, TokenEntry]) -> None:
        self._entries = entries

    def authenticate(self, token: str) -> UserInfo | None:
        entry = self._entries.get(token)
        # the dict lookup already found it; compare anyway so a hash collision cannot matter
        if entry is None or not hmac.compare_digest(entry.token.encode(), token.encode()):
            return None
        return entry.user
