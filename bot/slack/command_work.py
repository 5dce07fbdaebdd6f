"""What each slash command does once acked: the use case it runs, as work for the queue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.domain import grammar
from bot.slack.blockkit import blocks
from bot.usecases import commit_revert, policy_query, propose, queries
from bot.usecases.dependencies import Deps

# The work after an ack; None when there is nothing to say (a repeated delivery).
Work = Callable[[], Awaitable[blocks.Message | None]]


def command_work(deps: Deps, parsed: grammar.Command, *, user: str, channel: str) -> Work:
    match parsed:
        case grammar.Propose(app=target_app, deployment_id=deployment_id):
            return lambda: propose.propose(
                deps, user=user, channel=channel, app_ref=target_app, deployment_id=deployment_id
            )
        case grammar.Status(app=maybe_app):
            return lambda: queries.status(deps, app_ref=maybe_app, channel=channel)
        case grammar.Audit(app=audited_app):
            return lambda: queries.audit(deps, app_ref=audited_app, channel=channel)
        case grammar.History(app=listed_app):
            return lambda: queries.history(deps, app_ref=listed_app, channel=channel)
        case grammar.Policy(app=ruled_app):
            return lambda: policy_query.policy(deps, app_ref=ruled_app, channel=channel)
        case grammar.Commit(app=pinned_app) | grammar.Revert(app=pinned_app):
            revert = isinstance(parsed, grammar.Revert)
            return lambda: commit_revert.settle_from_command(
                deps, app_ref=pinned_app, user=user, revert=revert, channel=channel
            )
    raise AssertionError(f"unhandled command {parsed!r}")
