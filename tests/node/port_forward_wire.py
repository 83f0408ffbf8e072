"""Reading recorded port-forward traffic back: WebSocket frames (masked or not), the SPDY frames inside
them or on the bare connection, and the v4 channel messages, reduced to what must match on a replay
("marks": replies, data per stream or channel, FINs, resets), with timing-only frames left out."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kube.node import spdy_frames as f

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "protocols"


def load(name: str) -> dict[str, Any]:
    doc = json.loads((FIXTURES / name).read_text())
    doc["events"] = [(e["from"], base64.b64decode(e["data"])) for e in doc["events"]]
    return doc


class WsFrames:
    """Incremental RFC 6455 frame reader: (opcode, unmasked payload) per complete frame."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self.buf += data
        out = []
        while len(self.buf) >= 2:
            b0, b1 = self.buf[0], self.buf[1]
            length, pos = b1 & 0x7F, 2
            if length == 126:
                if len(self.buf) < 4:
                    break
                length, pos = int.from_bytes(self.buf[2:4], "big"), 4
            elif length == 127:
                if len(self.buf) < 10:
                    break
                length, pos = int.from_bytes(self.buf[2:10], "big"), 10
            mask = b""
            if b1 & 0x80:
                mask, pos = bytes(self.buf[pos:pos + 4]), pos + 4
            if len(self.buf) < pos + length:
                break
            payload = bytes(self.buf[pos:pos + length])
            if mask:
                payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
            out.append((b0 & 0x0F, payload))
            del self.buf[:pos + length]
        return out


@dataclass
class Side:
    """One direction of a recorded connection, decoded. variant: "spdy", "spdy-ws" or "v4"."""

    variant: str
    head: bytes = b""
    in_head: bool = True
    ws: WsFrames = field(default_factory=WsFrames)
    spdy: f.FrameParser = field(default_factory=lambda: f.FrameParser(f.HeaderCodec()))
    frames: list[Any] = field(default_factory=list)
    data: dict[int, bytes] = field(default_factory=lambda: defaultdict(bytes))
    marks: set[tuple[Any, ...]] = field(default_factory=set)
    closed: bool = False

    def feed(self, chunk: bytes) -> None:
        if self.in_head:
            self.head += chunk
            if b"\r\n\r\n" not in self.head:
                return
            self.head, _, chunk = self.head.partition(b"\r\n\r\n")
            self.in_head = False
        if self.variant == "spdy":
            self._spdy(chunk)
            return
        for opcode, payload in self.ws.feed(chunk):
            if opcode == 8:
                self.closed = True
                self.marks.add(("ws-close",))
            elif opcode == 2 and self.variant == "spdy-ws":
                self._spdy(payload)
            elif opcode == 2 and payload:
                self.data[payload[0]] += payload[1:]

    def _spdy(self, chunk: bytes) -> None:
        for frame in self.spdy.feed(chunk):
            self.frames.append(frame)
            match frame:
                case f.Data():
                    self.data[frame.stream_id] += frame.data
                    if frame.flags & f.FLAG_FIN:
                        self.marks.add(("fin", frame.stream_id))
                case f.SynStream():
                    self.marks.add(("syn", frame.stream_id, tuple(sorted(frame.headers))))
                case f.SynReply():
                    self.marks.add(("reply", frame.stream_id))
                case f.RstStream():
                    self.marks.add(("rst", frame.stream_id, frame.status))
                case f.GoAway():
                    self.marks.add(("goaway",))
                case f.Ping():
                    self.marks.add(("ping", frame.ping_id))

    def covers(self, other: Side) -> bool:
        """Everything `other` (the recording, so far) shows, this side showed too."""
        if self.in_head and not other.in_head:
            return False
        return other.marks <= self.marks and all(self.data.get(k, b"").startswith(v) for k, v in other.data.items())


def variant_of(first_client_bytes: bytes) -> str:
    head = first_client_bytes.split(b"\r\n\r\n", 1)[0].lower()
    if b"upgrade: websocket" in head:
        return "spdy-ws" if b"spdy/3.1+portforward.k8s.io" in head else "v4"
    return "spdy"
