"""A light HTTP/1.1 load generator on asyncio streams: keep-alive GETs, nothing else.

It spends far less CPU per request than a full client library, so that on a small machine the
server under test, not the load generator, is what gets measured.
"""

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field

TIMEOUT = 10.0  # a request not answered by then counts as failed


class Connection:
    def __init__(self, host: str, port: int, headers: bytes) -> None:
        self.host, self.port = host, port
        self.prefix = f"Host: {host}:{port}\r\n".encode() + headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """GET ``path``; returns the status. Reconnects once if a kept-alive socket was closed."""
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await self._exchange(path)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, path: str) -> int:
        self.writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.prefix + b"\r\n")
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        start = lowered.find(b"\r\ncontent-length:")
        if start >= 0:
            end = lowered.index(b"\r\n", start + 2)
            await self.reader.readexactly(int(lowered[start + 17 : end]))
        elif status not in (204, 304):
            await self.reader.read()  # no length: the body runs to the end of the connection
            self.close()
        if b"\r\nconnection: close" in lowered:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, status: int, seconds: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(seconds)

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[p - 1]


async def closed_loop(
    host: str, port: int, headers: bytes, paths: list[str], seconds: float
) -> Results:
    """One client per path, each sending its next request as soon as the last is answered."""
    results = Results()
    deadline = time.perf_counter() + seconds

    async def client(path: str) -> None:
        connection = Connection(host, port, headers)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status = await asyncio.wait_for(connection.get(path), TIMEOUT)
            results.add(status, time.perf_counter() - started)
        connection.close()

    await asyncio.gather(*(client(path) for path in paths))
    return results


async def open_loop(
    host: str,
    port: int,
    headers: bytes,
    paths: list[str],
    every: float,
    seconds: float,
    settle: float,
) -> Results:
    """One viewer per path, each sending a request every ``every`` seconds whether or not the
    last one was answered (as a page's poll timer does), at a random phase. Latency counts from
    when the request was due, so time spent waiting for a free connection counts too. The
    first ``settle`` seconds (connections being opened) are not counted."""
    results = Results()
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    count_from, end = start + settle, start + settle + seconds
    pending: set[asyncio.Task] = set()

    async def request(idle: list[Connection], path: str, due: float) -> None:
        connection = idle.pop() if idle else Connection(host, port, headers)
        try:
            status = await asyncio.wait_for(connection.get(path), TIMEOUT)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            connection.close()
            if due >= count_from:
                results.failures += 1
            return
        if due >= count_from:
            results.add(status, loop.time() - due)
        idle.append(connection)

    async def viewer(path: str) -> None:
        idle: list[Connection] = []
        due = start + random.uniform(0, every)  # noqa: S311
        while due < end:
            await asyncio.sleep(max(0.0, due - loop.time()))
            task = asyncio.create_task(request(idle, path, due))
            pending.add(task)
            task.add_done_callback(pending.discard)
            due += every
        while pending:
            await asyncio.sleep(0.05)
        for connection in idle:
            connection.close()

    await asyncio.gather(*(viewer(path) for path in paths))
    return results
