"""A light HTTP/1.1 load generator on asyncio streams: keep-alive GETs, nothing else.

It spends far less CPU per request than a full client library, so that on a small machine the
server under test, not the load generator, is what gets measured.
"""

import asyncio
import html
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
        return (await self.fetch(path))[0]

    async def fetch(self, path: str) -> tuple[int, bytes]:
        """GET ``path``; returns the status and the body. Reconnects once if a kept-alive socket
        was closed."""
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

    async def _exchange(self, path: str) -> tuple[int, bytes]:
        self.writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.prefix + b"\r\n")
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        body = b""
        start = lowered.find(b"\r\ncontent-length:")
        if start >= 0:
            end = lowered.index(b"\r\n", start + 2)
            body = await self.reader.readexactly(int(lowered[start + 17 : end]))
        elif status not in (204, 304):
            body = await self.reader.read()  # no length: the body runs to the end of the connection
            self.close()
        if b"\r\nconnection: close" in lowered:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def poll_url(body: bytes) -> str | None:
    """The URL a status panel polls next (its ``hx-get``), as htmx reads it from the panel it
    swaps in; None if the body has none."""
    _, found, rest = body.partition(b'hx-get="')
    return html.unescape(rest.split(b'"', 1)[0].decode()) if found else None


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
    host: str, port: int, clients: list[tuple[bytes, str]], seconds: float
) -> Results:
    """One client per (headers, path), each sending its next request as soon as the last is
    answered."""
    results = Results()
    deadline = time.perf_counter() + seconds

    async def client(headers: bytes, path: str) -> None:
        connection = Connection(host, port, headers)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status = await asyncio.wait_for(connection.get(path), TIMEOUT)
            results.add(status, time.perf_counter() - started)
        connection.close()

    await asyncio.gather(*(client(headers, path) for headers, path in clients))
    return results


async def open_loop(
    host: str,
    port: int,
    viewers: list[tuple[bytes, str]],
    every: float,
    seconds: float,
    settle: float,
) -> Results:
    """One viewer per (headers, path): its own browser (its cookies in ``headers``) sending a
    request every ``every`` seconds whether or not the last one was answered (as a page's poll
    timer does), at a random phase. A panel sent back in full carries the URL the page polls
    next, which the viewer then polls, as htmx does when it swaps the panel in. Latency counts
    from when the request was due, so time spent waiting for a free connection counts too. The
    first ``settle`` seconds (connections being opened) are not counted."""
    results = Results()
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    count_from, end = start + settle, start + settle + seconds
    pending: set[asyncio.Task] = set()

    async def request(idle: list[Connection], headers: bytes, state: list[str], due: float):
        connection = idle.pop() if idle else Connection(host, port, headers)
        try:
            status, body = await asyncio.wait_for(connection.fetch(state[0]), TIMEOUT)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            connection.close()
            if due >= count_from:
                results.failures += 1
            return
        if due >= count_from:
            results.add(status, loop.time() - due)
        if status == 200 and (url := poll_url(body)):
            state[0] = url
        idle.append(connection)

    async def viewer(headers: bytes, path: str) -> None:
        idle: list[Connection] = []
        state = [path]
        due = start + random.uniform(0, every)  # noqa: S311
        while due < end:
            await asyncio.sleep(max(0.0, due - loop.time()))
            task = asyncio.create_task(request(idle, headers, state, due))
            pending.add(task)
            task.add_done_callback(pending.discard)
            due += every
        while pending:
            await asyncio.sleep(0.05)
        for connection in idle:
            connection.close()

    await asyncio.gather(*(viewer(headers, path) for headers, path in viewers))
    return results


async def fetch_all(
    host: str, port: int, requests: list[tuple[bytes, str]], concurrency: int
) -> list[tuple[int, bytes]]:
    """Each (headers, path) fetched once, ``concurrency`` at a time on kept-alive connections;
    the statuses and bodies, in order."""
    answers: list[tuple[int, bytes]] = [(0, b"")] * len(requests)
    queue = iter(enumerate(requests))

    async def client() -> None:
        for i, (headers, path) in queue:
            connection = Connection(host, port, headers)
            answers[i] = await asyncio.wait_for(connection.fetch(path), TIMEOUT)
            connection.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return answers
