"""Is the Redis the bot talks to one it can keep its state in: a primary?

``PING`` is not enough. A demoted primary still answers it but refuses every write with
``READONLY``; a Sentinel answers it but knows no ``SET``; a Redis Cluster node answers it
but sends most keys elsewhere (``MOVED``). So readiness (``/readyz``) and ``rollback-bot
check`` ask ``ROLE`` (and, unless ``REDIS_CLUSTER`` is set, ``INFO cluster``) and give the
operator one sentence saying what to set instead.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ResponseError


class Role(enum.Enum):
    PRIMARY = "primary"
    REPLICA = "replica"
    SENTINEL = "sentinel"
    CLUSTER_NODE = "cluster node"
    """A node of a Redis Cluster while ``REDIS_CLUSTER`` is not set."""
    NOT_CLUSTER = "not a cluster node"
    """``REDIS_CLUSTER`` is set but the server is a lone Redis."""
    UNKNOWN = "unknown"
    """The server would not say (``ROLE`` renamed or not allowed); taken as usable."""


@dataclass(frozen=True)
class Verdict:
    role: Role
    problem: str | None
    """One sentence for the operator when the bot cannot keep its state there, else None."""

    @property
    def usable(self) -> bool:
        return self.problem is None


def location(url: str) -> str:
    """The Redis URL without its user and password, which must not be printed."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    try:
        port = parts.port or 6379
    except ValueError:
        port = 6379
    return f"{parts.scheme}://{parts.hostname or 'localhost'}:{port}{parts.path}"


async def verdict(
    client: redis.Redis | RedisCluster, *, where: str, cluster: bool = False
) -> Verdict:
    """What the server at ``where`` is, asked over ``client``; Redis errors propagate.

    ``cluster``: ``REDIS_CLUSTER`` is set, so a cluster node is what is wanted. Only
    ``INFO cluster`` is asked then: the cluster client routes each key to its slot's
    primary, and it cannot route ``ROLE`` (a command without a key) anywhere.
    """
    if cluster:
        if await _cluster_enabled(client):
            return Verdict(Role.PRIMARY, None)
        return Verdict(
            Role.NOT_CLUSTER,
            f"REDIS_CLUSTER is true but Redis at {where} is not a cluster node: "
            "unset REDIS_CLUSTER.",
        )
    if isinstance(client, RedisCluster):  # it comes only with REDIS_CLUSTER; be safe anyway
        return Verdict(Role.UNKNOWN, None)
    try:
        answer = await client.role()
    except ResponseError:
        # Some managed services rename or forbid ROLE; that must not keep the bot unready.
        return Verdict(Role.UNKNOWN, None)
    role = _text(answer[0]) if answer else ""
    if role == "sentinel":
        return Verdict(
            Role.SENTINEL,
            f"Redis at {where} is a Sentinel, not a Redis server: set REDIS_SENTINELS to the "
            "sentinels' host:port list (and REDIS_URL only for the db and password).",
        )
    if await _cluster_enabled(client):
        return Verdict(
            Role.CLUSTER_NODE,
            f"Redis at {where} is a node of a Redis Cluster: set REDIS_CLUSTER=true.",
        )
    if role in ("slave", "replica"):
        return Verdict(
            Role.REPLICA,
            f"Redis at {where} is a replica (read-only): point REDIS_URL at the primary.",
        )
    return Verdict(Role.PRIMARY if role == "master" else Role.UNKNOWN, None)


async def _cluster_enabled(client: redis.Redis | RedisCluster) -> bool:
    try:
        info: dict[str, Any] = await client.info("cluster")
    except ResponseError:
        return False  # INFO forbidden: assume the common case, a lone server
    return str(info.get("cluster_enabled", "0")) == "1"


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
