"""What the soak test (tests/soak.py) requires of a run, each finding naming its evidence.

Every check returns sentences: which card or thread, what was seen, and the faults played
around it, so a failing run says what to fix without a rerun.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from tests.fake_slack import Message
from tests.soak import SoakRun
from tests.soak_evidence import (
    STEP,
    all_text,
    app_of,
    around,
    describe_posts,
    first_seen,
    logs,
    refusal,
    rollback_posts,
    shorten,
    started_at,
    told_units,
    whose,
)
from tests.soak_person import APPROVE, LIVE, OUTCOMES, CardSeen

FAILED = "❌ Rollback of"
MEMORY_GROWTH = 0.15
"""The most a replica's resident memory may grow from warm-up to the end, as a fraction.

Measured without faults (120 rollbacks, two replicas): 80 MB after 10 rollbacks, then
+5 MB (6%) while the first 50 ran, then flat (86 MB at 120): caches and code paths warming
up. Faults walk error paths the quiet run never took, once. 15% (about 12 MB) leaves room
for both. It catches a replica keeping what each rollback needed at its peak (bench
section 2: 311–464 KiB at 20 at once), 12–18 MB over the 40 rollbacks after the full
soak's warm-up; a smaller leak needs a longer soak."""


def findings(run: SoakRun) -> dict[str, list[str]]:
    checks: dict[str, Callable[[SoakRun], list[str]]] = {
        "the run went as planned": lambda r: list(r.problems),
        "exactly one POST /rollback per approved card": one_post_per_card,
        "every rollback DigitalOcean made is narrated": every_rollback_narrated,
        "every started thread ends with exactly one (true) outcome": one_outcome,
        "no step line told twice": no_line_twice,
        "every card shows where its rollback stands": cards_tell,
        "every rollback asked for ran": every_app_ran,
        "no lock or watch left behind": nothing_left,
        "memory flat": memory_flat,
    }
    return {name: check(run) for name, check in checks.items()}


def report(run: SoakRun, found: dict[str, list[str]]) -> str:
    failed = {name: lines for name, lines in found.items() if lines}
    out = [f"soak seed {run.cfg.seed}: {len(failed)} of {len(found)} checks failed"]
    for name, lines in failed.items():
        out.append(f"\n== {name} ({len(lines)})")
        out += [f"- {line}" for line in lines[:12]]
        if len(lines) > 12:
            out.append(f"- … and {len(lines) - 12} more")
    out.append("\nfaults played:")
    out += [f"  {f.describe()}" for f in sorted(run.faults, key=lambda f: f.began)]
    return "\n".join(out)


# --- the checks -------------------------------------------------------------------------


def one_post_per_card(run: SoakRun) -> list[str]:
    """Each approved card made one POST DigitalOcean may have acted on (a 429 is refused
    unprocessed, so it does not count); a card not approved, none."""
    out = []
    for person in run.people:
        posts = rollback_posts(run, person.app_id)
        pressed = [c for c in person.cards if c.presses]
        starts = [c.presses[0] for c in pressed]
        before = [p for p in posts if not starts or p.at < starts[0]]
        if before:
            out.append(
                f"{person.app}: {len(before)} POST(s) before any Approve: {describe_posts(before)}"
            )
        for n, card in enumerate(pressed):
            end = starts[n + 1] if n + 1 < len(starts) else float("inf")
            mine = [p for p in posts if starts[n] <= p.at < end]
            decision = run.decisions.get(card.card_id, "")
            want = 1 if decision == "approved" else 0
            if not want:
                # A POST whose answer never came (dropped, 5xx) may have done nothing: the
                # bot looks and says so. Had DigitalOcean made a rollback, "every rollback
                # DigitalOcean made is narrated" would find it untold.
                mine = [p for p in mine if p.status != 0 and p.status < 500]
            if len(mine) != want:
                out.append(
                    f"{person.app} card {card.ts} (decision {decision or 'none'}, "
                    f"{len(card.presses)} Approve click(s)): {len(mine)} POST(s) "
                    f"{describe_posts(mine)}; answers {card.answers}; "
                    + around(run, card.seen_at, person, card.card_id)
                )
    return out


def every_rollback_narrated(run: SoakRun) -> list[str]:
    told = "\n".join(m.text for replies in run.threads.values() for m in replies)
    out = []
    for person in run.people:
        for deployment, phase in run.rollbacks.get(person.app_id, []):
            if deployment[:8] not in told:
                out.append(
                    f"{person.app}: DigitalOcean made rollback {deployment} (now {phase}) but "
                    f"no thread tells it; " + around(run, first_seen(person), person, deployment)
                )
    return out


def one_outcome(run: SoakRun) -> list[str]:
    out = []
    for ts, replies in run.threads.items():
        if not replies:
            continue
        texts = [m.text for m in replies]
        ends = [n for n, t in enumerate(texts) if any(w in t for w in OUTCOMES)]
        person, deployment, phase = whose(run, ts, texts)
        want = {"ACTIVE": LIVE, "ERROR": FAILED}.get(phase, "")
        problem = ""
        if len(ends) != 1:
            problem = f"{len(ends)} outcome replies"
        elif want and want not in texts[ends[0]]:
            problem = f"outcome {texts[ends[0]][:60]!r} but the deployment is {phase}"
        elif any(STEP in t for t in texts[ends[0] + 1 :]):
            problem = "step lines after the outcome"
        if problem:
            out.append(
                f"{app_of(person)} thread {ts} (deployment {deployment or '?'}, "
                f"{phase or 'unknown'}): {problem}; thread: {shorten(texts)}; "
                + around(run, started_at(person, ts), person, deployment)
            )
    return out


def no_line_twice(run: SoakRun) -> list[str]:
    """No step line (or "Rollback started") twice; a thread whose watch the SIGKILLed
    replica held may repeat what one reply said (that reply was in flight at the kill)."""
    out = []
    for ts, replies in run.threads.items():
        texts = [m.text for m in replies]
        units = [told_units(t) for t in texts]
        twice = {u: n for u, n in Counter(u for us in units for u in us).items() if n > 1}
        if not twice:
            continue
        person, deployment, _ = whose(run, ts, texts)
        killed = deployment in run.killed_leases
        one_reply = any(set(twice) <= set(us) for us in units)
        if killed and one_reply and max(twice.values()) == 2:
            continue
        out.append(
            f"{app_of(person)} thread {ts} (deployment {deployment or '?'}"
            f"{', lease held by the killed replica' if killed else ''}): told twice "
            f"{sorted(twice)}; thread: {shorten(texts)}; "
            + around(run, started_at(person, ts), person, deployment)
        )
    return out


def cards_tell(run: SoakRun) -> list[str]:
    out = []
    for person in run.people:
        for card in (c for c in person.cards if c.presses):
            shown = run.cards.get(card.ts)
            if shown is None:
                continue
            problem = _card_problem(run, card, shown)
            if problem:
                decision = run.decisions.get(card.card_id) or "none"
                out.append(
                    f"{person.app} card {card.ts} (decision {decision}): {problem}; card says "
                    f"{all_text(shown)[-160:]!r}; "
                    + around(run, card.seen_at, person, card.card_id)
                )
    return out


def every_app_ran(run: SoakRun) -> list[str]:
    out = []
    for person in (p for p in run.people if not p.outcome):
        approved = [
            (c.ts, c.card_id, len(c.presses), c.answers[-2:]) for c in person.cards if c.presses
        ]
        refused = Counter(refusal(run.cards.get(c.ts)) for c in person.cards if not c.presses)
        out.append(
            f"{person.app}: never told to the end (state {person.state}, {person.asks} "
            f"request(s)); cards approved (ts, id, clicks, answers): {approved}; cards "
            f"without Approve: {dict(refused)}; last answers {person.told[-3:]}"
        )
    return out


def nothing_left(run: SoakRun) -> list[str]:
    names = {p.app_id: p.app for p in run.people}
    out = [
        f"lock of {names.get(app_id, app_id)} still held by card {holder} "
        f"(decision {run.decisions.get(holder) or 'none'}){logs(run, holder)}"
        for app_id, holder in run.locks.items()
    ]
    out += [f"watch of deployment {d} still active{logs(run, d)}" for d in run.active_watches]
    out += [f"lease {key} still held" for key in run.leases]
    return out


def memory_flat(run: SoakRun) -> list[str]:
    out = []
    for m in run.memory:
        if m.baseline_kib and m.end_kib > m.baseline_kib * (1 + MEMORY_GROWTH):
            out.append(
                f"replica {m.replica} (pid {m.pid}): {m.baseline_kib} KiB after warm-up "
                f"({m.baseline_at:.0f} s), {m.end_kib} KiB at the end "
                f"(+{m.end_kib - m.baseline_kib} KiB, more than {MEMORY_GROWTH:.0%})"
            )
    return out


# --- evidence ---------------------------------------------------------------------------


def _card_problem(run: SoakRun, card: CardSeen, shown: Message) -> str:
    decision = run.decisions.get(card.card_id, "")
    text, buttons = all_text(shown), shown.buttons()
    replies = [m.text for m in run.threads.get(card.ts, [])]
    if decision == "approved":
        if APPROVE in buttons or "Approved by" not in text:
            return "approved, yet the card still offers Approve or does not say so"
        if any(LIVE in t for t in replies) and "*ACTIVE*" not in text:
            return "the thread says live, the card's status line does not say ACTIVE"
        if any(FAILED in t for t in replies) and "*ERROR*" not in text:
            return "the thread says failed, the card's status line does not say ERROR"
        if not replies and "did not start" not in text:
            return "approved, no thread, and the card does not say the rollback did not start"
        return ""
    if decision == "not started":
        return "" if "not rolled back" in text else "not started, but the card does not say so"
    if not decision and APPROVE not in buttons:
        return "no decision in force, yet the card offers no Approve"
    return ""
