"""The load generator: signed ``/rollback`` commands over raw keep-alive sockets.

It runs in its own process (``python -m bench.loadgen``, a JSON spec on stdin, a JSON
result on stdout) so its CPU time does not share the GIL with anything it measures.
Requests are built and signed before the clock starts; each connection sends one
request and reads the whole answer before sending the next (closed loop), and the
latency is from the first byte written to the last byte read. Throughput is counted
from the last warm-up answer to the last answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from bench.procs import child_env
from bot.sandbox.slack.requests import sign


@dataclass(frozen=True)
class LoadSpec:
    port: int
    secret: str
    concurrency: int
    requests: int
    warmup: int
    text: str
    response_url: str
    expect: str = ""  # a substring every ack body should hold ("" = anything)
    time_limit: float = 60.0
    # Form bodies to send in turn instead of ``/rollback <text>`` (a menu's
    # ``block_suggestion``, say); each is signed when the requests are built.
    bodies: tuple[str, ...] = ()


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    non_200: int = 0
    unexpected: int = 0
    samples: list[str] = field(default_factory=list)  # a few unexpected bodies

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.elapsed if self.elapsed else 0.0

    def add(self, other: LoadResult) -> None:
        """Pool another run's figures into this one (rounds of the same measurement)."""
        self.latencies_ms += other.latencies_ms
        self.elapsed += other.elapsed
        self.non_200 += other.non_200
        self.unexpected += other.unexpected
        self.samples += other.samples[: max(0, 3 - len(self.samples))]


def run_load(spec: LoadSpec) -> LoadResult:
    """Run the generator in a child process and return what it measured."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(asdict(spec)).encode(),
        env=child_env(),
        capture_output=True,
        check=True,
        timeout=spec.time_limit * 2 + 60,
    )
    return LoadResult(**json.loads(done.stdout))


def _request(spec: LoadSpec, n: int) -> bytes:
    ts = int(time.time())
    body = spec.bodies[n % len(spec.bodies)] if spec.bodies else _command(spec, n)
    head = (
        "POST /slack/events HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{spec.port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Slack-Request-Timestamp: {ts}\r\n"
        f"X-Slack-Signature: {sign(spec.secret, ts, body)}\r\n"
        "\r\n"
    )
    return (head + body).encode()


def _command(spec: LoadSpec, n: int) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T0001",
            "team_domain": "example",
            "channel_id": "CBENCH",
            "channel_name": "bench",
            "user_id": "UALICE",
            "user_name": "ualice",
            "command": "/rollback",
            "text": spec.text,
            "api_app_id": "A0001",
            # Slack gives every command a response URL of its own (usable 5 times).
            "response_url": f"{spec.response_url}-{os.getpid()}-{n}",
            # Unique per request: the bot acts on a trigger id once.
            "trigger_id": f"{os.getpid()}.{n}.{time.time_ns()}.bench",
        }
    )


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    chunks: list[bytes] = []
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, b"".join(chunks)
        chunks.append(chunk[:-2])


async def generate(spec: LoadSpec) -> LoadResult:
    """One unbroken burst; the first ``warmup`` answers are left out of the figures.

    No pause between warm-up and measurement: a pause would be a lull, and the bot uses
    lulls for the work its acks deferred (which would then land on the measurement)."""
    pending = iter([_request(spec, n) for n in range(spec.warmup + spec.requests)])
    deadline = time.monotonic() + spec.time_limit
    expect = spec.expect.encode()
    done: list[tuple[float, float, int, bytes]] = []  # (finished, took, status, body)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", spec.port)
        try:
            for request in pending:
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                writer.write(request)
                status, body = await _read_answer(reader)
                finished = time.perf_counter()
                done.append((finished, finished - started, status, body))
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(spec.concurrency)))
    done.sort()
    result = LoadResult()
    if len(done) <= spec.warmup:
        return result
    result.elapsed = done[-1][0] - (done[spec.warmup - 1][0] if spec.warmup else began)
    for _, took, status, body in done[spec.warmup :]:
        result.latencies_ms.append(took * 1000)
        result.non_200 += status != 200
        if expect and expect not in body:
            result.unexpected += 1
            if len(result.samples) < 3:
                result.samples.append(body[:300].decode(errors="replace"))
    return result


def main() -> None:
    fields = json.loads(sys.stdin.read())
    spec = LoadSpec(**{**fields, "bodies": tuple(fields.get("bodies", ()))})
    result = asyncio.run(generate(spec))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
