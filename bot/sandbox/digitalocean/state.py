"""The Simulator: the world (world.py) with its building knobs, its reads and its
rollbacks put together, and the sample world the demo and the tests start from."""

from __future__ import annotations

from typing import Unpack

from . import samples
from .building import Building
from .health import HealthReads
from .logs import Logs
from .reads import Reads
from .rollback import Rollbacks
from .world import Options


class Simulator(Building, Reads, Rollbacks, Logs, HealthReads):
    """DigitalOcean App Platform, in memory.

    Request-level knobs (`inject`, `latency`, `requests`, `count`, rate limit) come
    from TrafficControls; the progress modes (`step_seconds`) are described on World.
    """

    def __repr__(self) -> str:  # never show the token
        mode = "per-poll" if self.step_seconds is None else f"every {self.step_seconds}s"
        return f"<Simulator apps={len(self._apps)} progress={mode}>"

    @classmethod
    def with_sample_apps(
        cls, *, token: str, extra_apps: int = 0, **options: Unpack[Options]
    ) -> Simulator:
        sim = cls(token=token, **options)
        samples.populate(sim, extra_apps=extra_apps)
        return sim
