"""``rollback-bot demo``: the real bot, a DigitalOcean simulator and a Slack stand-in
with a browser page, in one process on one port, so anyone can watch a rollback without
a Slack workspace, a DigitalOcean account or a public URL.
"""

from bot.sandbox.demo.config import DemoOptions
from bot.sandbox.demo.redis_choice import RedisUnavailable
from bot.sandbox.demo.run import Demo, PortInUse, run

__all__ = ["Demo", "DemoOptions", "PortInUse", "RedisUnavailable", "run"]
