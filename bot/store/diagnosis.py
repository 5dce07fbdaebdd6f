"""Why a Redis did not answer, in one sentence an operator can act on.

redis-py 8 reports every failure to connect as ``network:ConnectionError`` (or
``TimeoutError``) and keeps the real one as the exception's context: a certificate that
did not verify, a host that DNS does not know. Two mistakes leave no such trace, so the
port is asked directly: ``rediss://`` to a plain port (the server waits for a command
that never comes: a timeout) and ``redis://`` to a TLS port (the server resets the
connection). The sentences never hold the URL's password.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from urllib.parse import urlsplit

from redis.exceptions import AuthenticationError

from bot.store.health import location

_PROBE_SECONDS = 2.0


async def explain(url: str, exc: BaseException) -> str:
    """The sentence for ``exc``, raised while reaching the Redis at ``url``."""
    where = location(url)
    if isinstance(exc, AuthenticationError):
        return (
            f"Redis at {where} refused the credentials: check the user and password in REDIS_URL."
        )
    causes = _chain(exc)
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or "certificate verify failed"
            return (
                f"the TLS certificate of Redis at {where} could not be verified ({reason}): "
                "if a private CA signed it, add ?ssl_ca_certs=/path/to/ca.pem to REDIS_URL."
            )
        if isinstance(cause, socket.gaierror):
            return f"the host of Redis at {where} is unknown (DNS): check REDIS_URL."
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", _port(url)
    if parts.scheme == "rediss" and await _speaks_plain(host, port):
        return (
            f"Redis at {where} does not speak TLS on that port: use redis:// instead of "
            "rediss://, or the server's TLS port."
        )
    if parts.scheme == "redis" and await _speaks_tls(host, port):
        return f"Redis at {where} expects TLS on that port: use rediss:// instead of redis://."
    return (
        f"no answer from Redis at {where} ({type(exc).__name__}): check REDIS_URL "
        "and that the server is running."
    )


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _port(url: str) -> int:
    try:
        return urlsplit(url).port or 6379
    except ValueError:
        return 6379


async def _speaks_plain(host: str, port: int) -> bool:
    """Whether the port answers a plain ``PING`` (``+PONG``, or an error such as NOAUTH)."""
    try:
        async with asyncio.timeout(_PROBE_SECONDS):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(b"PING\r\n")
                await writer.drain()
                line = await reader.readline()
            finally:
                writer.close()
    except (OSError, TimeoutError):
        return False
    return line[:1] in (b"+", b"-")


async def _speaks_tls(host: str, port: int) -> bool:
    """Whether the port completes a TLS handshake (whoever signed its certificate)."""
    context = ssl.create_default_context()
    # Only "does it speak TLS" is asked here; nothing is sent over this connection.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        async with asyncio.timeout(_PROBE_SECONDS):
            _, writer = await asyncio.open_connection(host, port, ssl=context)
            writer.close()
    except (OSError, TimeoutError):
        return False
    return True
