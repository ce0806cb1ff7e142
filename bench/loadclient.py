"""A small asyncio HTTP/1.1 load client for the benchmarks: N keep-alive connections GET a plan of paths."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


class Connection:
    """One HTTP/1.1 keep-alive connection: enough of the protocol for GETs of Django's answers."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", *(f"{k}: {v}" for k, v in headers.items())]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length, chunked, close = None, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                close = value == "close"
        if chunked:
            body = b""
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                body += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body, close = await self.reader.read(), True
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


Check = Callable[[Any, int, bytes], "str | None"]


async def drive(
    port: int,
    plan: list[tuple[Any, str]],
    headers: dict[str, str],
    clients: int,
    *,
    measure: bool,
    check: Check,
    interval: float = 0.0,
) -> float:
    """GET every (endpoint, path) of ``plan`` by ``clients`` concurrent connections; returns the seconds taken.

    With ``interval`` (seconds), each client starts a request at most that often, like a user reading each
    page before the next; the clients' first requests are spread over one interval. Without it each client
    asks again as soon as it has its answer: the server's saturation.
    """
    queue: asyncio.Queue = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)

    async def client(number: int) -> None:
        connection = Connection(port)
        next_at = time.perf_counter() + interval * number / clients
        try:
            while not queue.empty():
                if interval:
                    await asyncio.sleep(max(next_at - time.perf_counter(), 0))
                    # A late answer delays the next request; the client never bursts to catch up.
                    next_at = max(next_at + interval, time.perf_counter())
                if queue.empty():
                    break
                endpoint, path = queue.get_nowait()
                started = time.perf_counter()
                try:
                    status, body = await connection.get(path, headers)
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                    await connection.close()
                    endpoint.errors.append(f"{path}: {exc!r}")
                    continue
                elapsed = time.perf_counter() - started
                problem = check(endpoint, status, body)
                if problem:
                    endpoint.errors.append(f"{path}: {problem}")
                elif measure:
                    endpoint.latencies.append(elapsed)
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(clients)))
    return time.perf_counter() - started
