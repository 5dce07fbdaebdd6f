"""Credentials the tests use; fake, but shaped like real ones so leaks are detectable."""

DO_TOKEN = "dop_v1_" + "d0" * 32
SLACK_TOKEN = "xoxb-1111-2222-" + "s3cr3t" * 4
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

DO_SPEED = 12.0
"""How much faster than real time the simulated DigitalOcean's clock runs in tests: its
hour (and its 5,000 requests) passes in five real minutes, its minute in five seconds,
so the hourly limit is on and a test still takes seconds."""

DO_MINUTE = 60.0 / DO_SPEED
"""Real seconds of the simulated DigitalOcean's minute: the bot's DIGITALOCEAN_BUDGET_WINDOW."""

SLACK_SPEED = 10.0
"""How much faster than real time Slack's per-channel posting pace runs in tests: the
stand-in allows 10 posts a second per channel (Slack: about one) and the bot paces itself
to match (SLACK_CHANNEL_PACE), so the pace is enforced and a rollback's thread, a dozen
posts in one channel, still takes a second, not twelve."""
