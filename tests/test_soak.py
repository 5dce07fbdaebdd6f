"""The soak test, short (issue 12): a dozen rollbacks on two replicas while faults come at
random: DigitalOcean 429/5xx/dropped/lost/unreadable answers, Slack 429/500/dropped
connections, Redis refusing writes, a Redis restart on its append-only file, a replica
SIGKILLed and restarted (tests/soak.py). The full one, 50 rollbacks, is
``python -m bench --sections soak``.

A failure lists, check by check, each card or thread that went wrong, what it said, the
faults played around it and the replicas' log lines about it. ``SOAK_SEED=<n>`` plays
another seed's plan (the default is fixed, so CI plays the same faults every time).
"""

from __future__ import annotations

import os

import pytest

from tests.soak import SoakConfig, run
from tests.soak_checks import findings, report
from tests.soak_faults import FaultCounts

SEED = int(os.environ.get("SOAK_SEED", "12"))


@pytest.mark.timeout(180)
def test_rollbacks_come_through_random_faults_whole_and_once() -> None:
    soak = run(
        SoakConfig(
            rollbacks=12,
            seed=SEED,
            faults=FaultCounts(do=8, slack=8, write_refusals=1),
            deadline=90.0,
        )
    )
    found = findings(soak)
    if any(found.values()):
        pytest.fail(report(soak, found), pytrace=False)
    # The plan was played in full: each kind of fault happened.
    kinds = {f.fault.kind.split("-")[0] for f in soak.faults}
    assert kinds == {"do", "slack", "redis", "replica"}
