"""The Web API's view methods: ``views.open``, ``views.update``, ``views.publish``.

Each gets the call's arguments and returns (HTTP status, JSON body, headers) as
``web_api.py``'s methods do; the views and triggers are the workspace's ``surfaces``
(``surfaces.py``), the checks of a view ``views.py``.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.slack.blocks import Refusal
from bot.sandbox.slack.views import HOME, MODAL, check_view
from bot.sandbox.slack.workspace import Workspace

Answer = tuple[int, dict[str, Any], dict[str, str] | None]


def views_open(workspace: Workspace, args: dict[str, Any]) -> Answer:
    """https://docs.slack.dev/reference/methods/views.open: "Open a modal with a user by
    exchanging a trigger_id received from another interaction"."""
    trigger = str(args.get("trigger_id") or "")
    if not trigger:
        # views.open: trigger_id or interactivity_pointer; the stand-in has no pointers.
        missing = ("[ERROR] missing required field: trigger_id",)
        return Refusal("invalid_arguments", missing).answer()
    view = check_view(args.get("view"), kind=MODAL)
    if isinstance(view, Refusal):
        return view.answer()
    if workspace.surfaces.external_id_taken(str(view.get("external_id") or "")):
        return Refusal("duplicate_external_id").answer()
    refused = workspace.surfaces.take_trigger(trigger, workspace.wall())
    if refused is not None:
        return refused.answer()
    user = workspace.surfaces.trigger_users.get(trigger)
    opened = workspace.surfaces.keep(view, user=user, who=workspace.app_ids())
    workspace.notify()
    return 200, {"ok": True, "view": opened}, None


def views_update(workspace: Workspace, args: dict[str, Any]) -> Answer:
    """https://docs.slack.dev/reference/methods/views.update: "Update a view by passing a new
    view definition object along with the view_id returned in views.open or the
    external_id"; errors "not_found: Error returned when the given view_id or external_id
    doesn't exist", "hash_conflict: Error returned when the provided hash doesn't match the
    current stored value"."""
    view_id, external_id = str(args.get("view_id") or ""), str(args.get("external_id") or "")
    if bool(view_id) == bool(external_id):
        # "Exactly one of these arguments is required to identify the view".
        one = ("[ERROR] exactly one of view_id or external_id",)
        return Refusal("invalid_arguments", one).answer()
    held = workspace.surfaces.find(view_id=view_id, external_id=external_id)
    if held is None:
        return Refusal("not_found").answer()
    view = check_view(args.get("view"), kind=str(held.view["type"]))
    if isinstance(view, Refusal):
        return view.answer()
    new_external = str(view.get("external_id") or "")
    if workspace.surfaces.external_id_taken(new_external, but=held.view["id"]):
        return Refusal("duplicate_external_id").answer()
    if args.get("hash") and args["hash"] != held.view["hash"]:
        return Refusal("hash_conflict").answer()
    updated = workspace.surfaces.replace(held, view, who=workspace.app_ids())
    workspace.notify()
    return 200, {"ok": True, "view": updated}, None


def views_publish(workspace: Workspace, args: dict[str, Any]) -> Answer:
    """https://docs.slack.dev/reference/methods/views.publish: "Create or update the view
    that comprises an app's Home tab for a specific user"; "Assuming your view object was
    properly formatted, valid, and the user_id was viable, you will receive a success
    response"; its typical error: ``invalid_arguments`` with messages ["invalid
    `user_id`"]."""
    user = str(args.get("user_id") or "")
    if not workspace.is_person(user):
        return Refusal("invalid_arguments", ("invalid `user_id`",)).answer()
    view = check_view(args.get("view"), kind=HOME)
    if isinstance(view, Refusal):
        return view.answer()
    surfaces = workspace.surfaces
    held = surfaces.find(view_id=surfaces.homes.get(user, ""))
    if held is not None and args.get("hash") and args["hash"] != held.view["hash"]:
        return Refusal("hash_conflict").answer()
    if held is None:
        published = surfaces.keep(view, user=user, who=workspace.app_ids())
        surfaces.homes[user] = published["id"]
    else:
        published = surfaces.replace(held, view, who=workspace.app_ids())
    workspace.notify()
    return 200, {"ok": True, "view": published}, None
