"""The HTTP face of the simulator: a Starlette app answering like api.digitalocean.com.

The routes map onto the Simulator's methods. Cross-cutting behaviour (latency, auth,
rate limit, fault injection, journal) lives in one ASGI middleware (edge.py) so it also
covers unknown routes, exactly like a real edge.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import cast

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .edge import DroppedConnection, Edge
from .errors import ApiError, error_body
from .logs import ROUTES as LOG_ROUTES
from .pagination import page_params, page_slice, paginate
from .state import Simulator

# DroppedConnection is raised by the edge; tests know it as this module's.
__all__ = ["DroppedConnection", "create_app"]


def create_app(sim: Simulator) -> Starlette:
    app = Starlette(
        routes=[
            Route("/v2/apps", _list_apps, methods=["GET"]),
            Route("/v2/apps/{id}", _get_app, methods=["GET"]),
            Route("/v2/apps/{app_id}/deployments", _list_deployments, methods=["GET"]),
            Route(
                "/v2/apps/{app_id}/deployments/{deployment_id}",
                _get_deployment,
                methods=["GET"],
            ),
            Route("/v2/apps/{app_id}/health", _get_health, methods=["GET"]),
            Route("/v2/apps/{app_id}/rollback/validate", _validate_rollback, methods=["POST"]),
            Route("/v2/apps/{app_id}/rollback", _create_rollback, methods=["POST"]),
            Route("/v2/apps/{app_id}/rollback/commit", _commit_rollback, methods=["POST"]),
            Route("/v2/apps/{app_id}/rollback/revert", _revert_rollback, methods=["POST"]),
            *LOG_ROUTES,
        ],
        middleware=[Middleware(Edge, sim=sim)],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    app.state.sim = sim
    return app


# ---- routes -------------------------------------------------------------------------


def _sim(request: Request) -> Simulator:
    return cast(Simulator, request.app.state.sim)


# A page's items and the total, given the page's slice (for apps, the look at them).
PageOf = Callable[[slice], tuple[list[dict[str, object]], int]]


def _paged(request: Request, key: str, page_of: PageOf) -> Response:
    page, per_page = page_params(request.query_params, _sim(request).max_page_size)
    items, total = page_of(page_slice(page, per_page))
    body = paginate(
        key, items, total=total, page=page, per_page=per_page,
        link=lambda n: str(request.url.include_query_params(page=n)),
    )  # fmt: skip
    return JSONResponse(body)


async def _list_apps(request: Request) -> Response:
    return _paged(request, "apps", _sim(request).look_at_apps)


async def _get_app(request: Request) -> Response:
    return JSONResponse({"app": _sim(request).get_app(request.path_params["id"])})


async def _list_deployments(request: Request) -> Response:
    types = request.query_params.getlist("deployment_types")
    deployments = _sim(request).list_deployments(request.path_params["app_id"], types)
    return _paged(request, "deployments", lambda page: (deployments[page], len(deployments)))


async def _get_deployment(request: Request) -> Response:
    p = request.path_params
    dep = _sim(request).get_deployment(p["app_id"], p["deployment_id"], poll=True)
    return JSONResponse({"deployment": dep})


async def _get_health(request: Request) -> Response:
    return JSONResponse(_sim(request).get_health(request.path_params["app_id"]))


async def _validate_rollback(request: Request) -> Response:
    body = await _json_body(request)
    return JSONResponse(_sim(request).validate_rollback(request.path_params["app_id"], body))


async def _create_rollback(request: Request) -> Response:
    body = await _json_body(request)
    dep = _sim(request).create_rollback(request.path_params["app_id"], body)
    return JSONResponse({"deployment": dep})


async def _commit_rollback(request: Request) -> Response:
    _sim(request).commit_rollback(request.path_params["app_id"])
    # shared/responses/no_content.yml: status 200 (not 204) and an empty body.
    return Response(status_code=200)


async def _revert_rollback(request: Request) -> Response:
    dep = _sim(request).revert_rollback(request.path_params["app_id"])
    return JSONResponse({"deployment": dep})


async def _json_body(request: Request) -> object:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return cast(object, json.loads(raw))
    except ValueError:
        raise ApiError(400, "the request body is not valid JSON", "bad_request") from None


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    # Unknown route or a method a known route lacks: the API has no such resource.
    return JSONResponse(error_body(404), status_code=404)
