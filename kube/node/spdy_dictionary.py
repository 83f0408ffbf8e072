"""SPDY/3's zlib preset dictionary for header blocks (draft 3, section 2.6.10.1).

Both peers prime their zlib streams with it, so a header block only costs the bytes
that differ from these common names and values. The spec builds it from length-
prefixed words followed by a run of common values; it is rebuilt here the same way
(1423 bytes, adler32 0xe3c6a7c2 — the dictionary id in every header block's zlib header).
"""

from __future__ import annotations

_WORDS = (
    "options head post put delete trace accept accept-charset accept-encoding accept-language "
    "accept-ranges age allow authorization cache-control connection content-base content-encoding "
    "content-language content-length content-location content-md5 content-range content-type date etag "
    "expect expires from host if-match if-modified-since if-none-match if-range if-unmodified-since "
    "last-modified location max-forwards pragma proxy-authenticate proxy-authorization range referer "
    "retry-after server te trailer transfer-encoding upgrade user-agent vary via warning www-authenticate "
    "method get status |200 OK| version HTTP/1.1 url public set-cookie keep-alive origin"
)
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
    "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)


def _build() -> bytes:
    words = []
    for chunk in _WORDS.split("|"):
        words.extend(chunk.split() if not chunk.startswith("200") else [chunk])
    out = bytearray()
    for word in words:
        out += len(word).to_bytes(4, "big") + word.encode()
    return bytes(out) + _TAIL.encode()


DICTIONARY = _build()
