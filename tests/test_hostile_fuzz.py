"""Garbage of every shape at the live ``/slack/events``, signed and unsigned: never a 5xx,
never a traceback in the log, and the bot still answers ``/healthz`` afterwards.

Requests are written by hand (tests.raw_http): a well-behaved client would refuse to send
a Content-Length that lies or a header that is not ASCII.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.entrypoints.http_server import MAX_BODY
from tests.constants import SIGNING_SECRET
from tests.hostile_inputs import JSONISH, PAYLOADS, WORDS
from tests.log_records import every_record, tracebacks
from tests.raw_http import exchange, request_head, sign_bytes

# Header values as bytes: anything but the CR and LF that would end the header line.
HEADER_BYTES = st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
CONTENT_TYPES = (
    st.none()
    | HEADER_BYTES
    | st.sampled_from(
        [
            b"application/x-www-form-urlencoded",
            b"application/json",
            b"text/plain; charset=utf-8",
            b"multipart/form-data; boundary=x",
        ]
    )
)
BODIES = st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=100).map(lambda b: b"\xff\xfe" + b),  # never UTF-8
    WORDS.map(lambda t: urlencode({"command": "/rollback", "text": t}).encode()),
    PAYLOADS.map(lambda p: urlencode({"payload": json.dumps(p)}).encode()),
    JSONISH.map(lambda j: urlencode({"payload": json.dumps(j)}).encode()),
    JSONISH.map(lambda j: json.dumps(j).encode()),
    st.text(max_size=50).map(lambda t: urlencode({"payload": t}).encode()),
    # Around the size limit: cheap to make, not to send, so only a few.
    st.integers(MAX_BODY - 2, MAX_BODY + 2).map(lambda n: b"a" * n),
)
# Signed more often than not: a valid signature is what takes garbage as far as Bolt.
SIGNATURES = st.sampled_from(["valid", "valid", "valid", "absent", "wrong", "stale", "garbage"])
# How the body is framed: "shorter" and "longer" are Content-Length lies; "bare" has
# neither Content-Length nor chunks, so the body reads as the next request.
FRAMINGS = st.sampled_from(["exact", "exact", "chunked", "shorter", "longer", "bare"])


@dataclass(repr=False)
class Hostile:
    body: bytes
    signature: str
    framing: str
    content_type: bytes | None
    timestamp: bytes
    garbage: bytes

    def __repr__(self) -> str:  # a MiB of body would drown the falsifying example
        body = self.body if len(self.body) <= 200 else self.body[:200] + b"..."
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "body")
        return f"Hostile(body={body!r} ({len(self.body)} bytes), {fields})"

    def encode(self, url: str) -> bytes:
        headers = [] if self.content_type is None else [(b"content-type", self.content_type)]
        headers += self._signature_headers()
        payload = self.body
        if self.framing == "chunked":
            headers.append((b"transfer-encoding", b"chunked"))
            payload = (
                b"%x\r\n%s\r\n0\r\n\r\n" % (len(self.body), self.body)
                if self.body
                else b"0\r\n\r\n"
            )
        elif self.framing != "bare":
            lie = {"exact": 0, "shorter": -(len(self.body) // 2), "longer": 1 + len(self.body)}
            length = len(self.body) + lie[self.framing]
            headers.append((b"content-length", str(length).encode()))
        return request_head(f"{url}/slack/events", headers) + payload

    def _signature_headers(self) -> list[tuple[bytes, bytes]]:
        now = int(time.time())
        if self.signature == "absent":
            return []
        if self.signature == "garbage":
            return [
                (b"x-slack-request-timestamp", self.timestamp),
                (b"x-slack-signature", self.garbage),
            ]
        timestamp = now - 301 if self.signature == "stale" else now
        signature = sign_bytes(SIGNING_SECRET, timestamp, self.body).encode()
        if self.signature == "wrong":
            signature = b"v0=" + bytes(reversed(signature[3:]))
        return [
            (b"x-slack-request-timestamp", str(timestamp).encode()),
            (b"x-slack-signature", signature),
        ]


HOSTILE = st.builds(
    Hostile,
    body=BODIES,
    signature=SIGNATURES,
    framing=FRAMINGS,
    content_type=CONTENT_TYPES,
    timestamp=HEADER_BYTES | st.integers(-(10**30), 10**30).map(lambda n: str(n).encode()),
    garbage=HEADER_BYTES,
)


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture, bot_url: str) -> Iterator[pytest.LogCaptureFixture]:
    with every_record(caplog):  # after bot_url: its uvicorn configures logging
        yield caplog


def test_hostile_requests_get_no_5xx_and_log_no_traceback(
    bot_url: str, logged: pytest.LogCaptureFixture
) -> None:
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=HOSTILE)
    def answered(request: Hostile) -> None:
        # "longer" ends the request with EOF, so the server sees a client that left.
        answer = exchange(bot_url, request.encode(bot_url), shut_write=request.framing == "longer")
        if answer.status is None:
            # No answer only to a client that left, or to one whose unread body made the
            # server's close a reset (over the limit: refused before it was read).
            assert request.framing == "longer" or len(request.body) > MAX_BODY
        else:
            assert answer.status < 500, answer.text
        assert tracebacks(logged) == []

    answered()
    assert httpx.get(f"{bot_url}/healthz", timeout=5).status_code == 200
    assert tracebacks(logged) == []
