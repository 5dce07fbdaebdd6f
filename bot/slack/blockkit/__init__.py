"""Block Kit, pure: the messages the bot renders (cards, thread replies, command answers) and
Slack's limits on them."""
