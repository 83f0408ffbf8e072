"""JSON bytes as Go's encoding/json writes them: HTML-safe.

Kubernetes' JSON serializer is an encoding/json Encoder, whose escapeHTML is on by
default: inside strings `<`, `>` and `&` become `\\u003c`, `\\u003e`, `\\u0026`, and
U+2028/U+2029 become `\\u2028`/`\\u2029`. orjson writes them as they are. Outside
strings encoded JSON holds none of these bytes, so replacing them in the encoded bytes
is exact. Each is looked for first with a one-byte scan (memchr speed: about 0.05 ms
for 5 MB), so a body without them costs next to nothing.
"""

from __future__ import annotations


def html_safe(data: bytes) -> bytes:
    """`data` (orjson's output) with Go's HTML-safe escapes."""
    if b"<" in data:
        data = data.replace(b"<", b"\\u003c")
    if b">" in data:
        data = data.replace(b">", b"\\u003e")
    if b"&" in data:
        data = data.replace(b"&", b"\\u0026")
    if b"\xe2" in data:  # the first byte of U+2028 and U+2029 in UTF-8
        data = data.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return data
