"""Section 7 of the bench counts the bot's DigitalOcean calls by endpoint from the
simulator's tap: each path the bot calls lands under its own endpoint, the pre-signed log
files are kept out of the API's count, and the busiest minute is a sliding window."""

from __future__ import annotations

from bench.aftercare_tally import ARCHIVE, COMMANDS, HEALTH, LIST, LOGS, OTHER, endpoint, tally
from bench.tap import Hit

APP = "/v2/apps/3d0c5b1e"
DEP = f"{APP}/deployments/8a1b"


def _hit(method: str, path: str, start: float = 0.0, status: int = 200) -> Hit:
    return Hit(method=method, path=path, status=status, start=start, end=start)


def test_each_path_the_bot_calls_has_its_endpoint() -> None:
    named = {
        ("GET", "/v2/apps"): LIST,
        ("GET", APP): "GET app",
        ("GET", f"{APP}/health"): HEALTH,
        ("GET", f"{APP}/deployments"): "GET deployments (list)",
        ("GET", DEP): "GET deployment",
        ("GET", f"{DEP}/components/web/logs"): LOGS,
        ("POST", f"{APP}/rollback/validate"): "POST rollback/validate",
        ("POST", f"{APP}/rollback"): "POST rollback",
        ("POST", f"{APP}/rollback/commit"): "POST rollback/commit",
        ("POST", f"{APP}/rollback/revert"): "POST rollback/revert",
        ("GET", "/logs/k3y"): ARCHIVE,
        ("DELETE", APP): OTHER,
    }
    assert {key: endpoint(_hit(*key)) for key in named} == named
    assert set(COMMANDS) <= set(named.values())  # each command endpoint is reachable


def test_the_tally_leaves_out_log_files_and_finds_the_busiest_minute() -> None:
    hits = [
        _hit("GET", "/v2/apps", start=0.0),
        _hit("GET", f"{APP}/health", start=10.0),
        _hit("GET", f"{APP}/health", start=10.5, status=429),
        _hit("GET", "/logs/k3y", start=10.6),
        _hit("GET", "/v2/apps", start=11.0),
        _hit("GET", "/v2/apps", start=99.0),  # after the hour: not counted
    ]
    counted = tally(hits, began=0.0, ended=60.0, window=5.0)
    assert counted.api_calls == 4
    assert counted.by_endpoint[ARCHIVE] == 1
    assert counted.busiest_minute == 3  # 10.0, 10.5 and 11.0 within 5 s
    assert counted.busiest_minute_at == 2.0  # the window starting at 10 s, in minutes of 5 s
    assert counted.too_many == 1
    assert counted.looks == 2
    assert counted.health_by_app == {"3d0c5b1e": 2}
