"""``rollback-bot serve`` bounds what a client can hold: connections that send no request
are closed, a request head is at most MAX_HEAD bytes, connections at most MAX_CONNECTIONS.

Against the real command (a child process), since these are uvicorn's settings in
bot.entrypoints.cli.
"""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack

import httpx

from bot.entrypoints.tcp import HEAD_DEADLINE, MAX_CONNECTIONS, MAX_HEAD
from tests.conftest import ProcessFactory
from tests.processes import BotProcess
from tests.raw_http import closed_by_server, connect, read_answer, request_head
from tests.waiting import wait_until


def healthz(bot: BotProcess) -> int:
    return httpx.get(f"{bot.url}/healthz", timeout=5).status_code


def test_a_connection_that_sends_no_whole_request_head_is_closed(
    bot_process: ProcessFactory,
) -> None:
    bot = bot_process()
    with connect(bot.url) as silent, connect(bot.url) as dribbling:
        opened = time.monotonic()
        dribbling.sendall(b"POST /slack/events HTTP/1.1\r\n")
        # A header line every second: uvicorn's keep-alive timer alone would never fire.
        while time.monotonic() - opened < HEAD_DEADLINE - 1:
            dribbling.sendall(b"x-slow: 1\r\n")
            assert not closed_by_server(silent, within=1)
        assert closed_by_server(silent, within=2)
        assert closed_by_server(dribbling, within=1)
    assert healthz(bot) == 200
    assert "Traceback" not in bot.log()


def test_an_unfinished_request_head_over_max_head_gets_400(bot_process: ProcessFactory) -> None:
    bot = bot_process()
    head = request_head(f"{bot.url}/slack/events", [(b"x-padding", b"a" * (MAX_HEAD + 1024))])
    with connect(bot.url, timeout=HEAD_DEADLINE / 2) as sock:
        sock.sendall(head[:-2])  # all but the blank line that ends it: h11 keeps buffering
        answer = read_answer(sock)
    assert answer.status == 400
    assert "Invalid HTTP request received." in bot.log()
    assert "Traceback" not in bot.log()


def test_connections_past_max_connections_get_503_until_idle_ones_are_dropped(
    bot_process: ProcessFactory,
) -> None:
    bot = bot_process()
    with ExitStack() as stack:
        idle: list[socket.socket] = [
            stack.enter_context(connect(bot.url)) for _ in range(MAX_CONNECTIONS)
        ]
        wait_until(lambda: healthz(bot) == 503, timeout=2, what="no 503 past the limit")
        assert "Exceeded concurrency limit." in bot.log()
        # The idle connections are closed after HEAD_DEADLINE, which frees their places.
        wait_until(lambda: healthz(bot) == 200, timeout=HEAD_DEADLINE + 2, what="still 503")
        assert all(closed_by_server(sock, within=0.5) for sock in idle)
    assert "Traceback" not in bot.log()
