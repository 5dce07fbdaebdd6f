"""Loopback stand-ins for the services the bot talks to, and their rules.

``bot.sandbox.slack`` is the Slack stand-in (``fake.FakeSlack``: the Web API,
``response_url``s, Socket Mode, injected faults) with Slack's rules written down once
(``rules`` and ``blocks``: where the bot may post, which messages it may edit, how often it
may post, how long a ``response_url`` lasts, what a message may contain; pure, no I/O, no
clock of their own) and the requests Slack sends an app (``requests``: signed slash
commands and interaction payloads). ``bot.sandbox.digitalocean`` is the DigitalOcean
simulator; ``redis_server`` a private redis-server. The test suite, the bench and the
``rollback-bot demo`` sandbox (``bot.sandbox.demo``) all use the same ones, so every
stand-in refuses what the service refuses.

Imported only by the demo, the tests and the bench, never by production code: the bot
must not learn Slack's rules from the stand-in that checks it against them.
"""
