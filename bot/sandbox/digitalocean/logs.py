"""Deployment logs: ``GET /v2/apps/{id}/deployments/{dep}/components/{name}/logs``, and the
archived log files it points to, served here under pre-signed URLs (``/logs/<key>``).

What the docs say, unpleasant parts first:
- apps_get_logs.yml: "Retrieve the logs of a past, in-progress, or active deployment. The
  response will include links to either real-time logs … or archived logs of a past
  deployment": ``{historic_urls: [...], live_url}`` (models/apps_get_logs_response.yml);
  ``type`` (BUILD, DEPLOY, RUN…) is required.
- DigitalOcean's own ``app_action`` (deploy/main.go) fetches each historic URL WITHOUT the
  API token and ignores HTTP 400: "state was never reached or skipped". Here a component
  whose build (or deploy) step never started answers that 400.
- The archived files are pre-signed S3 (Spaces) URLs. S3 refuses a request that carries
  both a pre-signed query and an ``Authorization`` header ("Only one auth mechanism
  allowed", 400 InvalidArgument), and a wrong signature with 403 SignatureDoesNotMatch.
- A failing build's log here echoes a DigitalOcean token (``dop_v1_…``), as a careless
  build script would: whatever quotes it must redact it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .errors import ApiError, not_found
from .progress import PENDING, iter_steps
from .records import DeploymentRecord
from .world import World

LOG_PATH = "/logs/"
"""Where the pre-signed log files are served: no API token, no rate limit (edge.py)."""

LOG_TYPES = frozenset({"BUILD", "DEPLOY"})
_STEP_OF_TYPE = {"BUILD": "build", "DEPLOY": "deploy"}


@dataclass(frozen=True)
class LogFetch:
    """One request for an archived log file, as the storage saw it."""

    key: str
    authorization: bool
    status: int


@dataclass
class _LogStore:
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    files: dict[str, str] = field(default_factory=dict)  # key → text
    texts: dict[tuple[str, str, str], str | None] = field(default_factory=dict)
    fetches: list[LogFetch] = field(default_factory=list)


def planted_token(deployment_id: str) -> str:
    """The DigitalOcean token a failing build's log echoes (never a real one)."""
    return "dop_v1_" + hashlib.sha256(deployment_id.encode()).hexdigest()


class Logs(World):
    @property
    def _logs(self) -> _LogStore:
        store = self.__dict__.get("_log_store")
        if store is None:
            store = self.__dict__["_log_store"] = _LogStore()
        assert isinstance(store, _LogStore)
        return store

    @property
    def log_fetches(self) -> list[LogFetch]:
        """Every request for an archived log file so far."""
        with self._lock:
            return list(self._logs.fetches)

    def set_component_log(
        self, deployment_id: str, component: str, log_type: str, text: str | None
    ) -> None:
        """Replace a component's log (None: DigitalOcean lists no archived file)."""
        with self._lock:
            self._logs.texts[(deployment_id, component, log_type)] = text

    def component_logs(
        self, app_id: str, deployment_id: str, component: str, log_type: str, *, base_url: str
    ) -> dict[str, object]:
        if log_type not in LOG_TYPES:
            raise ApiError(400, f"unsupported log type {log_type!r}", "invalid_argument")
        with self._settled(app_id) as app:
            dep = app.find(deployment_id)
            if dep is None:
                raise not_found()
            progress = dep.to_json().get("progress")
            steps = dict(iter_steps(progress.get("steps") if isinstance(progress, dict) else ()))
            step = steps.get(f"{_STEP_OF_TYPE[log_type]}/components/{component}")
            if step is None:
                raise not_found()
            if step.get("status") == PENDING:
                raise ApiError(400, "state was never reached or skipped", "invalid_argument")
            planted = self._logs.texts
            wanted = (deployment_id, component, log_type)
            failed = step.get("status") == "ERROR"
            if wanted in planted:
                text = planted[wanted]
            else:
                text = _log_text(dep, component, log_type, failed=failed)
            if text is None:
                return {"historic_urls": [], "live_url": ""}
            key = secrets.token_urlsafe(12)
            self._logs.files[key] = text
            return {"historic_urls": [f"{base_url}{LOG_PATH}{key}?{self._query(key)}"]}

    def archived_log(self, key: str, *, signature: str, authorization: bool) -> Response:
        with self._lock:
            text = self._logs.files.get(key)
            expected = hmac.new(self._logs.secret, key.encode(), hashlib.sha256).hexdigest()
            if authorization:
                status, body = 400, _s3_error("InvalidArgument", "Only one auth mechanism allowed")
            elif text is None:
                status, body = 404, _s3_error("NoSuchKey", "The specified key does not exist.")
            elif not hmac.compare_digest(signature, expected):
                status, body = 403, _s3_error("SignatureDoesNotMatch", "Signature mismatch.")
            else:
                status, body = 200, text
            self._logs.fetches.append(LogFetch(key, authorization, status))
        return PlainTextResponse(body, status_code=status)

    def _query(self, key: str) -> str:
        signature = hmac.new(self._logs.secret, key.encode(), hashlib.sha256).hexdigest()
        return (
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=SIMULATOR%2Fnyc3%2Fs3"
            f"&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}"
        )


def _s3_error(code: str, message: str) -> str:
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    return f"{head}\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"


def _log_text(dep: DeploymentRecord, component: str, log_type: str, *, failed: bool) -> str:
    if log_type == "DEPLOY":
        lines = [f"{component} {n:02d}:00 starting container (attempt {n})" for n in range(1, 4)]
        lines.append(f"{component} health check on :8080/healthz " + ("failed" if failed else "ok"))
        return "\n".join(lines) + "\n"
    lines = [
        "╭────────────── git repo clone ───────────────────────╼",
        f"│  › fetching app source code at commit {dep.commit}",
        "╰────────────────────────────────────────────────────╼",
        "╭──────────── buildpack detection ───────────────────╼",
        "│  › using Ubuntu 22.04 stack",
        "│ Detected the following buildpacks suitable to build your app:",
        "│    digitalocean/go-appdetect  v0.0.4",
        "│    heroku/go                  v0.0.0",
        "╰────────────────────────────────────────────────────╼",
        "╭──────────── app build ─────────────────────────────╼",
        "│ -----> Installing go1.22.5",
    ]
    lines += [f"│ go: downloading example.com/dep{n} v1.{n}.0" for n in range(1, 40)]
    if failed:
        failure = dep.script.failure
        lines += [
            f"│ + curl -H 'Authorization: Bearer {planted_token(dep.id)}' https://api.example.com",
            f"│ DIGITALOCEAN_TOKEN={planted_token(dep.id)}",
            "│ main.go:7:2: no required module provides package example.com/missing",
            f"│ {failure.message if failure else 'exit status 1'}",
            "│ ERROR: failed to build: exit status 1",
            "╰────────────────────────────────────────────────────╼",
            " ✘ build failed",
        ]
    else:
        lines += ["│ -----> Done", "╰────────────────────────────────────────────────────╼"]
    return "\n".join(lines) + "\n"


async def _component_logs(request: Request) -> Response:
    p = request.path_params
    sim = request.app.state.sim
    log_type = request.query_params.get("type", "")
    body = sim.component_logs(
        p["app_id"], p["deployment_id"], p["component"], log_type,
        base_url=str(request.base_url).rstrip("/"),
    )  # fmt: skip
    return JSONResponse(body)


async def _archived_log(request: Request) -> Response:
    sim = request.app.state.sim
    response: Response = sim.archived_log(
        request.path_params["key"],
        signature=request.query_params.get("X-Amz-Signature", ""),
        authorization="authorization" in request.headers,
    )
    return response


ROUTES = [
    Route(
        "/v2/apps/{app_id}/deployments/{deployment_id}/components/{component}/logs",
        _component_logs,
        methods=["GET"],
    ),
    Route(LOG_PATH + "{key}", _archived_log, methods=["GET"]),
]
