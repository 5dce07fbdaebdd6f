"""List pagination as the real API does it (shared/parameters.yml, shared/pages.yml)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from .errors import ApiError

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200


def page_params(query: Mapping[str, str], max_page_size: int | None) -> tuple[int, int]:
    """(page, per_page) from the query string; out-of-range values are clamped."""
    page = _int_param(query, "page", 1)
    per_page = min(max(_int_param(query, "per_page", DEFAULT_PER_PAGE), 1), MAX_PER_PAGE)
    if max_page_size is not None:
        # A test knob: forces multi-page answers without creating hundreds of apps.
        per_page = min(per_page, max_page_size)
    return max(page, 1), per_page


def page_slice(page: int, per_page: int) -> slice:
    """Which items (by index) the page shows."""
    start = (page - 1) * per_page
    return slice(start, start + per_page)


def paginate(
    key: str,
    page_items: Sequence[object],
    *,
    total: int,
    page: int,
    per_page: int,
    link: Callable[[int], str],
) -> dict[str, object]:
    """`{key: [...], "links": {"pages": {...}}, "meta": {"total": N}}` for the page's
    items (`page_slice` of all `total`).

    Only the links that make sense are present; when everything fits on one page
    `pages` is empty, as in the spec's examples.
    """
    last = max(1, math.ceil(total / per_page))
    pages: dict[str, str] = {}
    if page > 1:
        pages["first"] = link(1)
        pages["prev"] = link(min(page - 1, last))
    if page < last:
        pages["next"] = link(page + 1)
        pages["last"] = link(last)
    return {
        key: list(page_items),
        "links": {"pages": pages},
        "meta": {"total": total},
    }


def _int_param(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer", "bad_request") from None
