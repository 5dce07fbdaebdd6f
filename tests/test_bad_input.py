"""Bad input of every shape gets a clear reply and a 200; forged requests get a 401."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.grammar import Help, parse
from bot.sandbox.digitalocean import Simulator
from tests.constants import DO_TOKEN, SIGNING_SECRET, SLACK_TOKEN
from tests.fake_slack import FakeSlack
from tests.flow import roll_back
from tests.hostile_inputs import PAYLOADS, WORDS
from tests.slack_driver import SlackDriver

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)


@given(ANY_TEXT | WORDS)
def test_every_text_parses_to_a_command_or_a_sentence(text: str) -> None:
    parsed = parse(text)
    if isinstance(parsed, Help) and parsed.problem:
        assert parsed.problem.endswith((".", ")", "`"))
        assert len(parsed.problem) < 400


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=st.one_of(
        PAYLOADS.map(lambda p: urlencode({"payload": json.dumps(p)})),
        st.text(max_size=50).map(lambda t: urlencode({"payload": t})),
        WORDS.map(lambda t: urlencode({"command": "/rollback", "text": t})),
        st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    )
)
def test_malformed_requests_never_get_a_500_nor_a_traceback(
    driver: SlackDriver, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    response = driver.post(body)
    assert response.status_code == 200, (body, response.text)
    assert response.headers["content-type"].startswith("application/json") or response.text == ""
    # Signed garbage is answered with a sentence and a warning line, not a traceback.
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.exc_text] == []


@given(body=WORDS)
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_unsigned_requests_get_401(driver: SlackDriver, body: str) -> None:
    response = driver.http.post(f"{driver.bot_url}/slack/events", content=body)
    assert response.status_code == 401


def test_no_secret_reaches_the_logs(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sim.inject("GET", r"/v2/apps", status=500)  # errors get logged too
    roll_back(driver, slack, "sample-broken", until="Rollback of `sample-broken` failed")
    driver.post(driver.command_body("sample-golang"), headers={"x-slack-signature": "v0=bad"})
    logged = "\n".join(
        [r.getMessage() for r in caplog.records]
        + [str(r.args) for r in caplog.records]
        + [caplog.text]
    )
    assert len(caplog.records) > 20  # the flow really was logged
    for secret in (DO_TOKEN, SLACK_TOKEN, SIGNING_SECRET, SLACK_TOKEN.split("-")[-1]):
        assert secret not in logged
