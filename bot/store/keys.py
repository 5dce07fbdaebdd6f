"""Every Redis key the bot uses, in one place (as arq keeps its prefixes).

All keys share one prefix so an operator can find, count or flush them at a glance. The
prefix is a hash tag (``{…}``): on a Redis Cluster every key then lives in one slot, so a
Lua script, an MGET or a transaction over several of them is allowed there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """Keys of one kind, each named ``<prefix><name>``: ``card("c1")`` is
    ``{rollback-bot}:card:c1``."""

    prefix: str

    def __call__(self, name: str) -> str:
        return self.prefix + name


PREFIX = "{rollback-bot}:"

LEGACY_PREFIX = "rollback-bot:"
"""The prefix before the hash tag; ``bot.store.legacy_keys`` renames such keys at start-up."""

LEGACY_RENAME_LOCK = PREFIX + "lock:legacy-rename"
"""Held (with an expiry) by the replica renaming legacy keys, so replicas take turns."""

CARD_PREFIX = PREFIX + "card:"
"""JSON of a confirmation card, with a TTL: ``card:<card id>``."""
card = Family(CARD_PREFIX)

DECISION_PREFIX = PREFIX + "decision:"
"""The one decision taken on a card, written with SET NX: ``decision:<card id>``."""
decision = Family(DECISION_PREFIX)

WATCH_PREFIX = PREFIX + "watch:"
"""JSON of a watched deployment and the step statuses already reported."""
watch = Family(WATCH_PREFIX)

ACTIVE_WATCHES = PREFIX + "watches:active"
"""Set of deployment ids still being watched; a restarted bot resumes these."""

PENDING_CARDS = PREFIX + "cards:pending"
"""Sorted set of undecided card ids scored by expiry time, for the expiry sweeper."""

STARTING = PREFIX + "cards:starting"
"""Sorted set of approved cards whose rollback is being started, scored by when the intent
lapses unless the starting replica keeps it alive (``bot.usecases.starting``)."""

STARTING_RECHECKED = PREFIX + "cards:starting:rechecked"
"""Set of approved cards whose lapsed intent found no rollback once: a POST that was in
flight when its replica died may still be made, so the app is looked at once more later."""

APP_LOCK_PREFIX = PREFIX + "lock:app:"
"""One rollback at a time per app: ``lock:app:<app id>`` holds the owner, with an expiry."""
app_lock = Family(APP_LOCK_PREFIX)

SEEN_PREFIX = PREFIX + "seen:"
"""Deliveries already handled (``seen:<trigger id>``), so a Slack retry does nothing twice."""
seen = Family(SEEN_PREFIX)

GROUP_PREFIX = PREFIX + "group:"
"""Cached members of a Slack user group (JSON list), kept briefly."""
group = Family(GROUP_PREFIX)

AUDIT_STREAM = PREFIX + "audit"
"""Redis stream of audit events, capped in length."""

LEASE_PREFIX = PREFIX + "lease:"
"""Which replica follows a watch: ``lease:<deployment id>`` holds its id, with a short expiry."""
lease = Family(LEASE_PREFIX)

BUDGET_POLLS = PREFIX + "budget:digitalocean:polls"
"""Sorted set of the last hour's DigitalOcean requests made by polls (all replicas),
scored by time: one lane of the shared rate budget's two windows."""

BUDGET_COMMANDS = PREFIX + "budget:digitalocean:commands"
"""The same for requests made for people's commands and clicks: the other lane."""

BUDGET_PAUSE = PREFIX + "budget:digitalocean:pause-until"
"""Epoch second until which every replica waits after a 429 (at most a minute ahead)."""

BUDGET_ALLOWANCE = PREFIX + "budget:digitalocean:allowance"
"""Requests of the hour DigitalOcean leaves the bot when other tools share its token."""

APP_ROLLBACK_PREFIX = PREFIX + "app-rollback:"
"""The latest rollback watch of an app (its deployment id), for commit / revert replies."""
app_rollback = Family(APP_ROLLBACK_PREFIX)

CHANNEL_PACE_PREFIX = PREFIX + "pace:channel:"
"""Recent posts in a Slack channel (all replicas), to keep Slack's one-a-second pace."""
channel_pace = Family(CHANNEL_PACE_PREFIX)

FLEET_APPS = PREFIX + "fleet:apps"
"""The latest look at the fleet: app id → that app as ``GET /v2/apps`` listed it (JSON)."""

FLEET_LOOK = PREFIX + "fleet:look"
"""Hash describing that look: ``seq`` (counts looks), ``taken_at`` (epoch seconds when its
first page was asked for), ``interval``, ``pages`` and ``apps``."""

FLEET_READ = PREFIX + "fleet:read"
"""Hash: deployment id → the seq of the latest look its follower has had its turn on. The
look-taker waits (a little) for every followed watch to have read the last look before
taking the next, so no look's news is replaced unread."""

FLEET_LOOK_LEASE = "fleet-look"
"""The lease (``lease:fleet-look``) of the replica taking the looks, one at a time."""

FLEET_KEEP_SECONDS = 24 * 3600
"""A snapshot nobody refreshes for a day is dropped (the bot was uninstalled, say)."""

SEEN_SECONDS = 3600
"""Slack retries within minutes; an hour of memory covers them."""

GROUP_CACHE_SECONDS = 60
"""How long user-group members are trusted before Slack is asked again."""

CARD_KEEP_SECONDS = 7 * 24 * 3600
"""How long a decided card (and a finished watch) stays readable for status and buttons."""

FAILURE_LOG_PREFIX = PREFIX + "failure-log:"
"""Claimed (``SET NX``) by the replica about to quote a failed watch's log in its thread,
before it posts: the log is told at most once, across replicas and restarts."""
failure_log = Family(FAILURE_LOG_PREFIX)

PIN_REMINDER_PREFIX = PREFIX + "pin-reminder:"
"""One reminder of a pinned rollback at one age: ``pin-reminder:<deployment id>:<age s>``
holds "posting" from before the post, then the reply's ts; set NX, so each once."""
pin_reminder = Family(PIN_REMINDER_PREFIX)

ELSEWHERE_PREFIX = PREFIX + "elsewhere:"
"""A rollback made outside the bot, announced once: ``elsewhere:<deployment id>`` holds
"posting" from before the announcement, then its ts; set NX."""
elsewhere = Family(ELSEWHERE_PREFIX)

PIN_ROUNDS_LEASE = "pin-rounds"
"""The lease (``lease:pin-rounds``) of the replica reminding pinned rollbacks and
announcing rollbacks made elsewhere, one at a time."""

# --- wt-health (issue 17, part 5): a card when a deploy goes bad ---------------------

BAD_DEPLOY_PREFIX = PREFIX + "bad-deploy:"
"""Set once (NX) by the replica that posts the rollback card for a deployment that went
bad after going live: exactly one card per bad deploy, across replicas and restarts."""
bad_deploy = Family(BAD_DEPLOY_PREFIX)

BAD_DEPLOY_LEASE = "bad-deploys"
"""The lease (``lease:bad-deploys``) of the replica reading fresh deploys' health."""

# --- break-glass reviews (issue 18) ----------------------------------------------

REVIEW_PREFIX = PREFIX + "review:"
"""JSON of a break-glass review, ``review:<card id>``, set NX (one per card); no expiry
while open, kept ``CARD_KEEP_SECONDS`` once acknowledged."""
review = Family(REVIEW_PREFIX)

REVIEW_ACK_PREFIX = PREFIX + "review-ack:"
"""Who acknowledged a review, set NX: the acknowledgement is taken exactly once."""
review_ack = Family(REVIEW_ACK_PREFIX)

OPEN_REVIEWS = PREFIX + "reviews:open"
"""Sorted set of open reviews' card ids, scored by when each is due."""

REVIEW_REMINDER_PREFIX = PREFIX + "review-reminder:"
"""One reminder of an open review at one step: ``review-reminder:<card id>:<step>``,
claimed NX before the post ("posting", then the reply's ts), so each is told once."""
review_reminder = Family(REVIEW_REMINDER_PREFIX)

REVIEW_ROUNDS_LEASE = "review-rounds"
"""The lease (``lease:review-rounds``) of the replica reminding open reviews."""

# --- cards that need several approvals (issue 18) ---------------------------------

APPROVALS_PREFIX = PREFIX + "approvals:"
"""List of who approved a card so far, in order, until its quorum is met:
``approvals:<card id>``, with the card's TTL."""
approvals = Family(APPROVALS_PREFIX)

ROUND_LEASES = (FLEET_LOOK_LEASE, PIN_ROUNDS_LEASE, BAD_DEPLOY_LEASE, REVIEW_ROUNDS_LEASE)
"""The leases of the rounds one replica runs for all, held for as long as it runs."""
