"""Clock mode (progress with time, not polls) and polls from many threads."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest

from bot.sandbox.digitalocean import Simulator
from tests.simulator.support import GOLANG, TOKEN, FakeClock, app_json, client_for, steps_by_path


async def test_clock_mode_advances_with_time() -> None:
    clock = FakeClock()
    sim = Simulator.with_sample_apps(token=TOKEN, step_seconds=1.5, clock=clock)
    target = sim.list_deployments(GOLANG)[4]["id"]
    created = clock.now
    async with client_for(sim) as client:
        r = await client.post(f"/v2/apps/{GOLANG}/rollback", json={"deployment_id": target})
        dep = r.json()["deployment"]
        assert dep["phase"] == "PENDING_BUILD"
        url = f"/v2/apps/{GOLANG}/deployments/{dep['id']}"
        # polling alone does not move a clock-mode deployment
        assert (await client.get(url)).json()["deployment"]["phase"] == "PENDING_BUILD"
        clock.now += 1.6
        assert (await client.get(url)).json()["deployment"]["phase"] == "BUILDING"
        clock.now += 1.5 * 3
        assert (await client.get(url)).json()["deployment"]["phase"] == "DEPLOYING"
        clock.now += 60
        assert (await app_json(client, GOLANG))["active_deployment"]["id"] == dep["id"]
        final = (await client.get(url)).json()["deployment"]
        assert final["phase"] == "ACTIVE"
        steps = steps_by_path(final["progress"])
        started = datetime.fromisoformat(steps["deploy/finalize"]["started_at"])
        # the finalize leaf starts at tick 7, i.e. 7 * 1.5 s after creation
        assert started.timestamp() == pytest.approx(created + 10.5)


def test_concurrent_polls_from_threads_are_safe() -> None:
    sim = Simulator.with_sample_apps(token=TOKEN)
    dep = sim.create_rollback(GOLANG, {"deployment_id": sim.list_deployments(GOLANG)[4]["id"]})
    phases: list[str] = []
    lock = threading.Lock()

    def poll() -> None:
        answer = sim.get_deployment(GOLANG, str(dep["id"]), poll=True)
        with lock:
            phases.append(str(answer["phase"]))

    threads = [threading.Thread(target=poll) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # exactly 8 polls moved it; the others saw the terminal state
    assert phases.count("ACTIVE") == 20 - 7
    app: Any = sim.get_app(GOLANG)
    assert app["active_deployment"]["id"] == dep["id"]
