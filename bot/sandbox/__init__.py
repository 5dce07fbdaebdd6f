"""Loopback stand-ins and their rules: what Slack refuses, written down once.

``slack_blocks`` (what a message may contain) and ``slack_rules`` (where the bot may post,
which messages it may edit, how often it may post, how long a ``response_url`` lasts) are
pure: no I/O, no clock of their own. The test suite's ``tests/fake_slack.py``, the
``rollback-bot demo`` sandbox (``bot.sandbox.demo.slack_api``) and the bench use them, so every
Slack stand-in refuses what Slack refuses.

Imported only by the demo, the tests and the bench, never by production code: the bot
must not learn Slack's rules from the stand-in that checks it against them.
"""
