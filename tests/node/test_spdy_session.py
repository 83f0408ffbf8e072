"""The SPDY session over an in-memory pipe: send windows held only once the peer shows it keeps them
(spdystream never does), the read loop stopping while a reader lags, a handler's crash confined to
its stream, GOAWAY refusing new streams, and the peer's end ending every stream."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from kube.node import spdy_frames as f
from kube.node.spdy_session import READ_LIMIT, SpdySession, Stream


class Pipe:
    """The session's transport; the test plays the peer through send()/frames."""

    def __init__(self) -> None:
        self.inbound: asyncio.Queue[bytes] = asyncio.Queue()
        self.codec = f.HeaderCodec()
        self.parser = f.FrameParser(f.HeaderCodec())
        self.frames: list[f.Frame] = []
        self.recv_calls = 0
        self.closed = False

    async def recv(self) -> bytes:
        self.recv_calls += 1
        return await self.inbound.get()

    async def send(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.frames += self.parser.feed(chunk)

    def close(self) -> None:
        self.closed = True

    def peer(self, *frames: f.Frame) -> None:
        self.inbound.put_nowait(b"".join(f.encode(fr, self.codec) for fr in frames))

    def data(self, sid: int) -> bytes:
        return b"".join(fr.data for fr in self.frames if isinstance(fr, f.Data) and fr.stream_id == sid)


async def until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def run(handle: Callable[[Stream], Awaitable[None]]) -> tuple[Pipe, SpdySession, asyncio.Task[None]]:
    pipe = Pipe()
    session = SpdySession(pipe, lambda s: s.header("port") != "0", handle)  # type: ignore[arg-type]
    return pipe, session, asyncio.ensure_future(session.run())


async def _end(pipe: Pipe, task: asyncio.Task[None]) -> None:
    pipe.inbound.put_nowait(b"")
    await asyncio.wait_for(task, 20)
    assert pipe.closed


async def test_without_peer_flow_control_writes_are_not_held_to_64k() -> None:
    async def handle(stream: Stream) -> None:
        await stream.write(b"x" * 300_000)
        await stream.close()

    pipe, _, task = run(handle)
    pipe.peer(f.SynStream(1, (("port", "80"),)))
    await until(lambda: len(pipe.data(1)) == 300_000)
    assert f.SynReply(1, ()) in pipe.frames and f.Data(1, b"", f.FLAG_FIN) in pipe.frames
    await _end(pipe, task)


async def test_a_peer_that_keeps_windows_is_held_to_them() -> None:
    async def handle(stream: Stream) -> None:
        await stream.write(b"y" * 5000)

    pipe, _, task = run(handle)
    pipe.peer(f.Settings(((0, f.SETTINGS_INITIAL_WINDOW_SIZE, 1000),)), f.SynStream(1, (("port", "80"),)))
    await until(lambda: len(pipe.data(1)) == 1000)
    await asyncio.sleep(0.2)
    assert len(pipe.data(1)) == 1000  # held at the window
    pipe.peer(f.WindowUpdate(1, 2500))
    await until(lambda: len(pipe.data(1)) == 3500)
    pipe.peer(f.WindowUpdate(1, 10_000))
    await until(lambda: len(pipe.data(1)) == 5000)
    await _end(pipe, task)


async def test_the_session_window_holds_all_streams() -> None:
    async def handle(stream: Stream) -> None:
        await stream.write(b"z" * 100_000)

    pipe, session, task = run(handle)
    pipe.peer(f.Settings(((0, f.SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20),)),  # big stream windows, not the session's
              f.SynStream(1, (("port", "80"),)))
    await until(lambda: len(pipe.data(1)) == f.DEFAULT_WINDOW)
    await asyncio.sleep(0.2)
    assert len(pipe.data(1)) == f.DEFAULT_WINDOW and session.peer_flow_control
    pipe.peer(f.WindowUpdate(0, 100_000))
    await until(lambda: len(pipe.data(1)) == 100_000)
    await _end(pipe, task)


async def test_a_lagging_reader_stops_the_read_loop_and_acknowledges_what_it_reads() -> None:
    go = asyncio.Event()
    got = bytearray()

    async def handle(stream: Stream) -> None:
        await go.wait()
        while data := await stream.read():
            got.extend(data)

    pipe, _, task = run(handle)
    pipe.peer(f.SynStream(1, (("port", "80"),)))
    for _ in range(READ_LIMIT // 32768 + 4):
        pipe.peer(f.Data(1, b"d" * 32768))
    pipe.peer(f.Data(1, b"", f.FLAG_FIN))
    await asyncio.sleep(0.3)
    calls = pipe.recv_calls
    await asyncio.sleep(0.3)
    assert pipe.recv_calls == calls and not pipe.inbound.empty()  # not reading while the stream is full
    go.set()
    await until(lambda: len(got) == (READ_LIMIT // 32768 + 4) * 32768)
    assert sum(fr.delta for fr in pipe.frames if isinstance(fr, f.WindowUpdate) and fr.stream_id == 1) >= READ_LIMIT
    await _end(pipe, task)


async def test_a_handler_crash_resets_only_its_stream() -> None:
    async def handle(stream: Stream) -> None:
        if stream.header("port") == "1":
            raise RuntimeError("bug")
        await stream.write(b"fine")
        await stream.close()

    pipe, _, task = run(handle)
    pipe.peer(f.SynStream(1, (("port", "1"),)), f.SynStream(3, (("port", "80"),)), f.SynStream(5, (("port", "0"),)))
    await until(lambda: pipe.data(3) == b"fine")
    assert f.RstStream(1, f.INTERNAL_ERROR) in pipe.frames and f.RstStream(5, f.CANCEL) in pipe.frames
    await _end(pipe, task)


async def test_goaway_refuses_new_streams_and_the_end_ends_every_stream() -> None:
    ended = []

    async def handle(stream: Stream) -> None:
        assert await stream.read() == b""  # the session ended under it
        ended.append(stream.id)

    pipe, session, task = run(handle)
    pipe.peer(f.SynStream(1, (("port", "80"),)), f.GoAway(1), f.SynStream(3, (("port", "80"),)))
    await until(lambda: f.RstStream(3, f.REFUSED_STREAM) in pipe.frames)
    pipe.peer(f.Ping(9), f.Ping(10))
    await until(lambda: f.Ping(9) in pipe.frames)
    assert f.Ping(10) not in pipe.frames  # an even id would answer one of ours: not echoed
    await _end(pipe, task)
    assert ended == [1] and not session.tasks and not session.streams


def _session_frames():  # type: ignore[no-untyped-def]
    from hypothesis import strategies as st

    from tests.node.test_spdy_frames import frames

    return st.lists(frames, max_size=15)


def test_any_frame_sequence_ends_cleanly() -> None:
    """Whatever frames a peer sends, in whatever order, the session ends with no task or stream left."""
    from hypothesis import given, settings

    @settings(max_examples=60, deadline=None)
    @given(_session_frames())
    def check(sequence: list[f.Frame]) -> None:
        async def scenario() -> None:
            async def handle(stream: Stream) -> None:
                await stream.write(b"hello")
                while await stream.read():
                    pass
                await stream.close()

            pipe, session, task = run(handle)
            for frame in sequence:
                pipe.peer(frame)
            pipe.inbound.put_nowait(b"")
            await asyncio.wait_for(task, 20)
            assert pipe.closed and not session.tasks and not session.streams

        asyncio.run(scenario())

    check()
