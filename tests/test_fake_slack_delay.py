"""The Slack stand-in's ``delay``: a call slow on its way to Slack, overtaken by a later
one, so the later one's effect is undone by it (a race the bot's edits must survive)."""

from __future__ import annotations

import threading

from bot.sandbox.slack.fake import FakeSlack
from tests.slack_calls import web_client


def test_a_delayed_edit_takes_effect_after_a_later_one(slack: FakeSlack) -> None:
    web = web_client(slack)
    ts = str(web.chat_postMessage(channel="CDEPLOY", text="posted")["ts"])
    slow = slack.delay("chat.update")
    first = threading.Thread(target=lambda: web.chat_update(channel="CDEPLOY", ts=ts, text="one"))
    first.start()
    assert slow.arrived.wait(10)
    assert web_client(slack).chat_update(channel="CDEPLOY", ts=ts, text="two")["ok"]
    assert slack.message(ts).text == "two"  # the first edit has not taken effect
    slow.release.set()
    first.join()
    assert slack.message(ts).text == "one"  # it lands last
