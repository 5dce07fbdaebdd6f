"""A DigitalOcean App Platform API simulator.

Powers the `rollback-bot demo` sandbox and stands in for DigitalOcean in tests. It
deliberately shares no code with the rest of `bot`: it speaks plain JSON shaped after
the official OpenAPI spec, so it is an independent check of the bot's client.
"""

from .journal import RecordedRequest
from .server import create_app
from .state import Simulator

__all__ = ["RecordedRequest", "Simulator", "create_app"]
