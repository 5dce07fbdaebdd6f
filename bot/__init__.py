"""do-rollback-bot: roll back DigitalOcean App Platform apps from Slack, with approval."""

__version__ = "0.1.0"
