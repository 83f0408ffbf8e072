"""SPDY/3.1 framing (draft 3.1): the frame types, their byte layout, and the zlib header blocks.

kubectl's port-forward speaks SPDY/3.1 (moby/spdystream) to the kubelet, either straight over an
upgraded HTTP connection or tunnelled in WebSocket binary messages. This module is only the codec:
bytes in, frames out, and back. What a session does with the frames is spdy_session.py.

Layout: every frame has an 8-byte head. A control frame sets the top bit, then the 15-bit version
(3), the 16-bit type, 8-bit flags and a 24-bit length; a data frame has the 31-bit stream id, flags
and length. Header blocks (SYN_STREAM, SYN_REPLY, HEADERS) are a count and length-prefixed
name/value pairs (32-bit lengths; several values of one name joined by NUL), compressed with ONE
zlib stream per direction for the whole connection, primed with the preset dictionary and
sync-flushed after each block, so a block can only be read after every block before it.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from kube.node.spdy_dictionary import DICTIONARY

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN, FLAG_UNIDIRECTIONAL = 0x01, 0x02
# RST_STREAM status codes
PROTOCOL_ERROR, INVALID_STREAM, REFUSED_STREAM, UNSUPPORTED_VERSION, CANCEL, INTERNAL_ERROR = 1, 2, 3, 4, 5, 6
FLOW_CONTROL_ERROR, STREAM_IN_USE, STREAM_ALREADY_CLOSED, FRAME_TOO_LARGE = 7, 8, 9, 11
# GOAWAY status codes
GOAWAY_OK, GOAWAY_PROTOCOL_ERROR, GOAWAY_INTERNAL_ERROR = 0, 1, 2
SETTINGS_INITIAL_WINDOW_SIZE = 7
DEFAULT_WINDOW = 64 * 1024  # SPDY/3.1's initial stream and session window
MAX_LENGTH = (1 << 24) - 1
MAX_HEADER_BYTES = 256 * 1024  # a decompressed header block past this is refused (a zlib bomb)

Headers = tuple[tuple[str, str], ...]
_HEAD = struct.Struct(">II")


class SpdyError(Exception):
    """A frame that breaks the protocol; stream_id 0 means the whole session (GOAWAY)."""

    def __init__(self, message: str, status: int = PROTOCOL_ERROR, stream_id: int = 0) -> None:
        super().__init__(message)
        self.status, self.stream_id = status, stream_id


@dataclass(frozen=True)
class Data:
    stream_id: int
    data: bytes
    flags: int = 0


@dataclass(frozen=True)
class SynStream:
    stream_id: int
    headers: Headers
    flags: int = 0
    associated_to: int = 0
    priority: int = 0
    slot: int = 0


@dataclass(frozen=True)
class SynReply:
    stream_id: int
    headers: Headers
    flags: int = 0


@dataclass(frozen=True)
class RstStream:
    stream_id: int
    status: int
    flags: int = 0


@dataclass(frozen=True)
class Settings:
    entries: tuple[tuple[int, int, int], ...]  # (flags, id, value)
    flags: int = 0


@dataclass(frozen=True)
class Ping:
    ping_id: int
    flags: int = 0


@dataclass(frozen=True)
class GoAway:
    last_good_stream_id: int
    status: int = GOAWAY_OK
    flags: int = 0


@dataclass(frozen=True)
class HeadersFrame:
    stream_id: int
    headers: Headers
    flags: int = 0


@dataclass(frozen=True)
class WindowUpdate:
    stream_id: int
    delta: int
    flags: int = 0


Frame = Data | SynStream | SynReply | RstStream | Settings | Ping | GoAway | HeadersFrame | WindowUpdate


def header_block(headers: Headers) -> bytes:
    """The uncompressed name/value block; names go lower-case as SPDY/3 requires."""
    out = [struct.pack(">I", len(headers))]
    for name, value in headers:
        n, v = name.lower().encode(), value.encode()
        out.append(struct.pack(">I", len(n)) + n + struct.pack(">I", len(v)) + v)
    return b"".join(out)


def parse_header_block(raw: bytes, stream_id: int) -> Headers:
    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(raw):
            raise SpdyError("truncated header block", PROTOCOL_ERROR, stream_id)
        pos += n
        return raw[pos - n:pos]

    pos = 0
    (count,) = struct.unpack(">I", take(4))
    out = []
    for _ in range(count):
        name = take(struct.unpack(">I", take(4))[0])
        value = take(struct.unpack(">I", take(4))[0])
        if not name or name != name.lower():
            raise SpdyError(f"invalid header name {name!r}", PROTOCOL_ERROR, stream_id)
        out.append((name.decode("latin-1"), value.decode("utf-8", "replace")))
    if pos != len(raw):
        raise SpdyError("trailing bytes after the header block", PROTOCOL_ERROR, stream_id)
    return tuple(out)


class HeaderCodec:
    """One connection's two zlib streams: ours (compress) and the peer's (decompress)."""

    def __init__(self) -> None:
        self._out = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY,
                                     DICTIONARY)
        self._in = zlib.decompressobj(zdict=DICTIONARY)

    def compress(self, headers: Headers) -> bytes:
        return self._out.compress(header_block(headers)) + self._out.flush(zlib.Z_SYNC_FLUSH)

    def decompress(self, block: bytes, stream_id: int) -> Headers:
        try:
            raw = self._in.decompress(block, MAX_HEADER_BYTES)
        except zlib.error as exc:
            raise SpdyError(f"header block does not decompress: {exc}", PROTOCOL_ERROR) from None
        if self._in.unconsumed_tail:
            raise SpdyError(f"header block larger than {MAX_HEADER_BYTES} bytes", PROTOCOL_ERROR)
        return parse_header_block(raw, stream_id)


def _control(kind: int, flags: int, payload: bytes) -> bytes:
    if len(payload) > MAX_LENGTH:
        raise ValueError("control frame too large")
    return _HEAD.pack(0x80000000 | VERSION << 16 | kind, flags << 24 | len(payload)) + payload


def encode_data(stream_id: int, data: bytes, flags: int = 0) -> bytes:
    """The hot path (every forwarded byte): one head, then the bytes."""
    return _HEAD.pack(stream_id & 0x7FFFFFFF, flags << 24 | len(data)) + data


def encode(frame: Frame, codec: HeaderCodec) -> bytes:
    match frame:
        case Data():
            return encode_data(frame.stream_id, frame.data, frame.flags)
        case SynStream():
            head = struct.pack(">IIBB", frame.stream_id, frame.associated_to, (frame.priority & 7) << 5, frame.slot)
            return _control(SYN_STREAM, frame.flags, head + codec.compress(frame.headers))
        case SynReply():
            return _control(SYN_REPLY, frame.flags, struct.pack(">I", frame.stream_id) + codec.compress(frame.headers))
        case HeadersFrame():
            return _control(HEADERS, frame.flags, struct.pack(">I", frame.stream_id) + codec.compress(frame.headers))
        case RstStream():
            return _control(RST_STREAM, frame.flags, struct.pack(">II", frame.stream_id, frame.status))
        case Settings():
            body = struct.pack(">I", len(frame.entries)) + b"".join(
                struct.pack(">II", f << 24 | i, v) for f, i, v in frame.entries)
            return _control(SETTINGS, frame.flags, body)
        case Ping():
            return _control(PING, frame.flags, struct.pack(">I", frame.ping_id))
        case GoAway():
            return _control(GOAWAY, frame.flags, struct.pack(">II", frame.last_good_stream_id, frame.status))
        case WindowUpdate():
            return _control(WINDOW_UPDATE, frame.flags, struct.pack(">II", frame.stream_id, frame.delta))
    raise TypeError(f"not a SPDY frame: {frame!r}")


def _fixed(payload: bytes, size: int, kind: str) -> None:
    if len(payload) < size:
        raise SpdyError(f"{kind} frame too short ({len(payload)} bytes)", PROTOCOL_ERROR)


def _decode_control(kind: int, flags: int, p: bytes, codec: HeaderCodec) -> Frame | None:
    if kind == SYN_STREAM:
        _fixed(p, 10, "SYN_STREAM")
        sid, assoc, pri, slot = struct.unpack_from(">IIBB", p)
        sid &= 0x7FFFFFFF
        return SynStream(sid, codec.decompress(p[10:], sid), flags, assoc & 0x7FFFFFFF, pri >> 5, slot)
    if kind in (SYN_REPLY, HEADERS):
        _fixed(p, 4, "SYN_REPLY" if kind == SYN_REPLY else "HEADERS")
        sid = struct.unpack_from(">I", p)[0] & 0x7FFFFFFF
        return (SynReply if kind == SYN_REPLY else HeadersFrame)(sid, codec.decompress(p[4:], sid), flags)
    if kind == RST_STREAM:
        _fixed(p, 8, "RST_STREAM")
        sid, status = struct.unpack_from(">II", p)
        return RstStream(sid & 0x7FFFFFFF, status, flags)
    if kind == SETTINGS:
        _fixed(p, 4, "SETTINGS")
        (count,) = struct.unpack_from(">I", p)
        if len(p) != 4 + 8 * count:
            raise SpdyError(f"SETTINGS frame of {len(p)} bytes for {count} entries", PROTOCOL_ERROR)
        entries = tuple((fi >> 24, fi & 0xFFFFFF, v) for fi, v in struct.iter_unpack(">II", p[4:]))
        return Settings(entries, flags)
    if kind == PING:
        _fixed(p, 4, "PING")
        return Ping(struct.unpack_from(">I", p)[0], flags)
    if kind == GOAWAY:
        _fixed(p, 4, "GOAWAY")
        last = struct.unpack_from(">I", p)[0] & 0x7FFFFFFF
        return GoAway(last, struct.unpack_from(">I", p, 4)[0] if len(p) >= 8 else GOAWAY_OK, flags)
    if kind == WINDOW_UPDATE:
        _fixed(p, 8, "WINDOW_UPDATE")
        sid, delta = struct.unpack_from(">II", p)
        return WindowUpdate(sid & 0x7FFFFFFF, delta & 0x7FFFFFFF, flags)
    return None  # an unknown control frame is ignored (draft 3.1, section 2.2.1)


class FrameParser:
    """Incremental: feed() whatever bytes arrived, get back the frames they complete."""

    def __init__(self, codec: HeaderCodec, max_length: int = MAX_LENGTH) -> None:
        self.codec = codec
        self.max_length = max_length
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        buf = self._buf
        buf += data
        frames: list[Frame] = []
        pos, end = 0, len(buf)
        while end - pos >= 8:
            first, flags_len = _HEAD.unpack_from(buf, pos)
            length = flags_len & 0xFFFFFF
            if length > self.max_length:
                raise SpdyError(f"frame of {length} bytes (at most {self.max_length})", FRAME_TOO_LARGE)
            if end - pos - 8 < length:
                break
            payload = bytes(buf[pos + 8:pos + 8 + length])
            pos += 8 + length
            flags = flags_len >> 24
            if first & 0x80000000:
                version = (first >> 16) & 0x7FFF
                if version != VERSION:
                    raise SpdyError(f"SPDY version {version} (only 3 is spoken)", UNSUPPORTED_VERSION)
                frame = _decode_control(first & 0xFFFF, flags, payload, self.codec)
                if frame is not None:
                    frames.append(frame)
            else:
                frames.append(Data(first, payload, flags))
        del buf[:pos]
        return frames
