"""Where a watched deployment's state is read: the latest look at the fleet, and
DigitalOcean itself only where the look cannot tell.

The look lists each app's in-progress, live, pinned and newest deployments with their
steps, so a rollback is read from there, to its end. DigitalOcean is asked for the
deployment (``GET …/deployments/{id}``) only when the look lacks it or its steps (a list
that leaves ``progress`` out; a deployment superseded before it was seen to end), and when
nobody is taking looks. Those reads are
spaced by the budget's fair share, the first one excepted: it is usually the final read.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.models import App, Deployment, Phase
from bot.domain.records import Watch
from bot.fleet.fair_share import FairShare
from bot.fleet.fleet_view import FleetView


class DeploymentReadings:
    def __init__(
        self,
        *,
        view: FleetView,
        do: DigitalOceanClient,
        share: FairShare,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._view = view
        self._do = do
        self._share = share
        self._clock = clock
        # deployment → when DigitalOcean was last asked (epoch seconds, as looks say)
        self._asked: dict[str, float] = {}
        self._apps: dict[str, App] = {}  # the app as the look that told its deployment saw it
        self.asked = 0
        """Deployments read from DigitalOcean rather than from a look (for tests, metrics)."""

    async def read(self, watch: Watch) -> Deployment | None:
        """The deployment as now known, or None when nothing new can be known yet."""
        look = await self._view.look()
        if look is None or not self._view.fresh(look):
            return await self._ask(watch)
        if look.taken_at < max(watch.started_at, self._asked.get(watch.deployment_id, 0)):
            # The look began before the rollback existed, or before DigitalOcean was last
            # asked here (it would tell an older state than that answer): wait for the next.
            return None
        app = await self._view.app(watch.app_id)
        listed = _listed(app, watch.deployment_id)
        if listed is None:
            return await self._ask(watch)
        if not listed.progress.steps:
            # Listed without its steps (a list that leaves ``progress`` out): only the
            # deployment itself tells them, unless none can have begun yet.
            return None if listed.phase == Phase.PENDING_BUILD else await self._ask(watch)
        if app is not None:
            self._apps[watch.deployment_id] = app
        return listed

    def app_of(self, deployment_id: str) -> App | None:
        """The app as the look that told the deployment's latest state listed it (where it
        stands now: what is live, what is pinned); None if DigitalOcean told it instead."""
        return self._apps.get(deployment_id)

    def forget(self, deployment_id: str) -> None:
        self._asked.pop(deployment_id, None)
        self._apps.pop(deployment_id, None)

    async def _ask(self, watch: Watch) -> Deployment | None:
        dep = watch.deployment_id
        now = self._clock()
        last = self._asked.get(dep)
        if last is not None and now - last < self._share.interval:
            return None
        self._asked[dep] = now
        self._apps.pop(dep, None)
        self.asked += 1
        return await self._do.get_deployment(watch.app_id, dep)


def _listed(app: App | None, deployment_id: str) -> Deployment | None:
    """The deployment, if the look lists it: in progress, live (active), pinned, or as the
    app's newest (``pending_deployment``, "the most recent pending deployment": DigitalOcean
    sets it to the newest deployment not canceled, finished ones included). A deployment
    in none of these places (canceled, or superseded) is read from DigitalOcean."""
    if app is None:
        return None
    places = (
        app.in_progress_deployment,
        app.active_deployment,
        app.pinned_deployment,
        app.pending_deployment,
    )
    return next((d for d in places if d is not None and d.id == deployment_id), None)
