"""Simulated time for the DigitalOcean simulator: runs ``rate`` times real time, or stands."""

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
