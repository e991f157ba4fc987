"""A webhook receiver for tests: a tiny HTTP/1.1 server on 127.0.0.1 that records each POST
and answers with the status its test scripts (then 200), optionally after a pause."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.monotonic()


@dataclass
class Receiver:
    port: int = 0
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in turn, then `default`
    default: int = 200
    pause: float = 0.0  # seconds before answering
    in_flight: dict[str, int] = field(default_factory=dict)  # by delivery id
    most_in_flight: int = 0  # the most concurrent requests seen for one delivery id

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in lines if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                delivery = headers.get("x-referrals-delivery-id", "")
                self.in_flight[delivery] = self.in_flight.get(delivery, 0) + 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight[delivery])
                try:
                    self.received.append(
                        Received(request_line.split(" ")[1], headers, body, time.monotonic())
                    )
                    status = self.statuses.pop(0) if self.statuses else self.default
                    if self.pause:
                        await asyncio.sleep(self.pause)
                finally:
                    self.in_flight[delivery] -= 1
                answer = f"answer {status}".encode()
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def receiving(**options: object) -> AsyncIterator[Receiver]:
    receiver = Receiver(**options)  # type: ignore[arg-type]
    server = await asyncio.start_server(receiver._serve, "127.0.0.1", 0)
    receiver.port = server.sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        server.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await server.wait_closed()


async def eventually(check: Callable[[], Awaitable[bool]], *, seconds: float = 15.0) -> None:
    """Wait until `check()` holds (bounded): the delivery worker runs on its own schedule."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
