"""Simulated time for the DigitalOcean simulator: runs ``rate`` times real time, or stands.

A test or benchmark compresses DigitalOcean's hour into minutes by running the simulator
on a ``ScaledClock`` and shrinking the bot's budget window to match
(``DIGITALOCEAN_BUDGET_WINDOW`` = 60 / rate). The bot lives in real time, so the
simulator's rate-limit headers, which name moments (``ratelimit-reset``) and durations
(``retry-after``), are translated to real time on the way out (``real_time_headers``).
"""

from __future__ import annotations

import threading
import time


class ScaledClock:
    """``clock()`` returns simulated epoch seconds.

    While running, simulated time advances ``rate`` seconds per real second; while frozen
    it stands still except when ``advance`` moves it (so rollbacks created during a
    frozen setup start at chosen, staggered moments).
    """

    def __init__(self, *, rate: float = 1.0) -> None:
        now = time.time()
        self._lock = threading.Lock()
        self._anchor = (now, now, rate)  # (simulated, real, rate) at the last change

    def __call__(self) -> float:
        sim, real, rate = self._anchor
        return sim + (time.time() - real) * rate

    @property
    def rate(self) -> float:
        return self._anchor[2]

    def set_rate(self, rate: float) -> None:
        with self._lock:
            self._anchor = (self(), time.time(), rate)

    def freeze(self) -> None:
        self.set_rate(0.0)

    def advance(self, seconds: float) -> None:
        with self._lock:
            sim, real, rate = self._anchor
            self._anchor = (sim + seconds, real, rate)

    def to_real(self, simulated: float) -> float:
        """The real epoch second at which the running clock shows ``simulated``."""
        sim, real, rate = self._anchor
        if rate <= 0:
            raise ValueError("the clock is frozen")
        return real + (simulated - sim) / rate


def real_time_headers(headers: dict[str, str], clock: object) -> dict[str, str]:
    """``headers`` as a client living in real time must read them, when ``clock`` runs
    compressed; unchanged for any other clock (or a frozen one)."""
    if not isinstance(clock, ScaledClock) or clock.rate <= 0 or clock.rate == 1.0:
        return headers
    out = dict(headers)
    if "ratelimit-reset" in out:
        # Whole simulated seconds are small fractions of a compressed window: keep the
        # fraction (the bot reads a float).
        out["ratelimit-reset"] = f"{clock.to_real(float(out['ratelimit-reset'])):.3f}"
    if "retry-after" in out:
        out["retry-after"] = f"{float(out['retry-after']) / clock.rate:.3f}"
    return out
