"""The simulator's tests start from the sample world, with no rate-limit clock tricks
(this `sim` replaces the one in tests/conftest.py), and talk to it through its ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sandbox.digitalocean import Simulator
from tests.simulator.support import TOKEN, client_for


@pytest.fixture
def sim() -> Simulator:
    return Simulator.with_sample_apps(token=TOKEN)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(sim) as c:
        yield c
