"""Credentials the tests use; fake, but shaped like real ones so leaks are detectable."""

DO_TOKEN = "dop_v1_" + "d0" * 32
SLACK_TOKEN = "xoxb-1111-2222-" + "s3cr3t" * 4
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
