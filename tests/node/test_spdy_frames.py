"""The SPDY/3.1 codec: every frame type round-trips through bytes split anywhere, header blocks share
one zlib stream per direction with the preset dictionary kubectl's framer uses, and broken input is
a SpdyError naming what is wrong (never another exception)."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube.node import spdy_frames as f
from kube.node.spdy_dictionary import DICTIONARY
from tests.node.port_forward_wire import load

ids = st.integers(1, 0x7FFFFFFF)
flags = st.integers(0, 255)
names = st.text("abcdefghijklmnopqrstuvwxyz0123456789-:", min_size=1, max_size=20)
values = st.text(max_size=40)
headers = st.lists(st.tuples(names, values), max_size=6, unique_by=lambda p: p[0]).map(tuple)
frames = st.one_of(
    st.builds(f.Data, ids, st.binary(max_size=300), flags),
    st.builds(f.SynStream, ids, headers, flags, st.integers(0, 0x7FFFFFFF), st.integers(0, 7), st.integers(0, 255)),
    st.builds(f.SynReply, ids, headers, flags),
    st.builds(f.HeadersFrame, ids, headers, flags),
    st.builds(f.RstStream, ids, st.integers(0, 2**32 - 1), flags),
    st.builds(f.Settings, st.lists(st.tuples(st.integers(0, 255), st.integers(0, 2**24 - 1),
                                             st.integers(0, 2**32 - 1)), max_size=4).map(tuple), flags),
    st.builds(f.Ping, st.integers(0, 2**32 - 1), flags),
    st.builds(f.GoAway, st.integers(0, 0x7FFFFFFF), st.integers(0, 2**32 - 1), flags),
    st.builds(f.WindowUpdate, st.integers(0, 0x7FFFFFFF), st.integers(1, 0x7FFFFFFF), flags),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(frames, max_size=12), st.lists(st.integers(1, 64), max_size=30))
def test_frames_round_trip_through_bytes_split_anywhere(sequence: list[f.Frame], cuts: list[int]) -> None:
    sender, receiver = f.HeaderCodec(), f.FrameParser(f.HeaderCodec())
    wire = b"".join(f.encode(frame, sender) for frame in sequence)
    got: list[f.Frame] = []
    pos = 0
    for cut in cuts:
        got += receiver.feed(wire[pos:pos + cut])
        pos += cut
    got += receiver.feed(wire[pos:])
    assert got == sequence


def test_the_dictionary_is_the_one_in_kubectls_header_blocks() -> None:
    """kubectl's first SYN_STREAM carries a zlib header naming the dictionary by its adler32."""
    first = next(data for who, data in load("port_forward_kubectl_spdy.json")["events"]
                 if who == "client" and data.startswith(b"POST")).split(b"\r\n\r\n", 1)[1]
    if not first:
        first = next(data for who, data in load("port_forward_kubectl_spdy.json")["events"][1:] if who == "client")
    assert first[:4] == b"\x80\x03\x00\x01"  # control, version 3, SYN_STREAM
    block = first[18:]  # 8-byte head, stream id, associated id, priority, slot
    assert block[0] == 0x78 and block[1] & 0x20  # zlib, FDICT
    assert struct.unpack(">I", block[2:6])[0] == zlib.adler32(DICTIONARY) == 0xE3C6A7C2
    (frame,) = f.FrameParser(f.HeaderCodec()).feed(first[:8 + struct.unpack(">I", first[4:8])[0] & 0xFFFFFF])
    assert isinstance(frame, f.SynStream) and dict(frame.headers)["streamtype"] == "error"


def test_one_zlib_stream_per_direction_so_blocks_must_be_read_in_order() -> None:
    sender = f.HeaderCodec()
    one = f.encode(f.SynReply(1, (("a", "1"),)), sender)
    two = f.encode(f.SynReply(3, (("a", "1"),)), sender)
    assert len(two) < len(one)  # the second block refers back into the first
    with pytest.raises(f.SpdyError):
        f.FrameParser(f.HeaderCodec()).feed(two)
    assert [fr.stream_id for fr in f.FrameParser(f.HeaderCodec()).feed(one + two)] == [1, 3]  # type: ignore[union-attr]


def test_header_names_go_lowercase_and_values_keep_nul_joined_lists() -> None:
    wire = f.encode(f.SynReply(1, (("X-Stream", "a\x00b"),)), f.HeaderCodec())
    (frame,) = f.FrameParser(f.HeaderCodec()).feed(wire)
    assert frame.headers == (("x-stream", "a\x00b"),)  # type: ignore[union-attr]


def _control(kind: int, payload: bytes, version: int = 3) -> bytes:
    return struct.pack(">II", 0x80000000 | version << 16 | kind, len(payload)) + payload


def _raw_block(pairs: list[tuple[bytes, bytes]], count: int | None = None) -> bytes:
    raw = struct.pack(">I", len(pairs) if count is None else count)
    for n, v in pairs:
        raw += struct.pack(">I", len(n)) + n + struct.pack(">I", len(v)) + v
    z = zlib.compressobj(zdict=DICTIONARY)
    return z.compress(raw) + z.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize("wire, words", [
    (_control(f.PING, b"\0\0\0\1", version=2), "version 2"),
    (_control(f.SYN_REPLY, struct.pack(">I", 1) + b"not zlib at all"), "does not decompress"),
    (_control(f.SYN_REPLY, struct.pack(">I", 1) + _raw_block([(b"Port", b"80")])), "invalid header name"),
    (_control(f.SYN_REPLY, struct.pack(">I", 1) + _raw_block([(b"port", b"80")], count=2)), "truncated"),
    (_control(f.SETTINGS, struct.pack(">I", 2) + b"\0" * 8), "for 2 entries"),
    (_control(f.RST_STREAM, b"\0\0\0\1"), "RST_STREAM frame too short"),
    (_control(f.SYN_STREAM, b"\0\0"), "SYN_STREAM frame too short"),
])
def test_broken_frames_are_spdy_errors(wire: bytes, words: str) -> None:
    with pytest.raises(f.SpdyError, match=words):
        f.FrameParser(f.HeaderCodec()).feed(wire)


def test_a_header_block_that_inflates_past_the_limit_is_refused() -> None:
    bomb = _raw_block([(b"x", b"a" * (f.MAX_HEADER_BYTES + 10))])
    with pytest.raises(f.SpdyError, match="larger than"):
        f.FrameParser(f.HeaderCodec()).feed(_control(f.SYN_REPLY, struct.pack(">I", 1) + bomb))


def test_frames_past_the_parsers_limit_are_refused_before_buffering() -> None:
    with pytest.raises(f.SpdyError, match="at most 1024") as err:
        f.FrameParser(f.HeaderCodec(), max_length=1024).feed(struct.pack(">II", 1, 4096))
    assert err.value.status == f.FRAME_TOO_LARGE


def test_unknown_control_frames_are_skipped() -> None:
    parser = f.FrameParser(f.HeaderCodec())
    assert parser.feed(_control(0x0F, b"whatever") + f.encode(f.Ping(1), f.HeaderCodec())) == [f.Ping(1)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=64), frames.map(lambda fr: f.encode(fr, f.HeaderCodec()))),
                max_size=8))
def test_any_bytes_are_frames_or_a_spdy_error(chunks: list[bytes]) -> None:
    """Hostile input (garbage, or frames from a zlib stream the parser never saw) fails only as SpdyError."""
    parser = f.FrameParser(f.HeaderCodec(), max_length=4096)
    try:
        for chunk in chunks:
            parser.feed(chunk)
    except f.SpdyError:
        pass
