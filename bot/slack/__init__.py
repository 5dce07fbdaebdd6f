"""Slack: the Web API client, the Bolt listeners, the per-channel posting pace and the Block Kit the
bot renders."""
