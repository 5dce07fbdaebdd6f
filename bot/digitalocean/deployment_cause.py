"""What made a deployment: ``cause_details`` (godo's ``DeploymentCauseDetails``), and which
deployment types are rollbacks. Read through ``bot.digitalocean.models``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.digitalocean.app_spec import Name as Text


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DigitalOceanUser(_Model):
    full_name: Text = ""
    email: Text = ""


class UserAction(_Model):
    name: Text = ""
    user: DigitalOceanUser | None = None


class CauseDetails(_Model):
    """What made a deployment (godo's ``DeploymentCauseDetails``; the spec's deployment
    model leaves it out, its ``deployment_types`` filter names the same types)."""

    type: Text = ""
    digitalocean_user_action: UserAction | None = None

    @property
    def action(self) -> str:
        """The user action that made it (``ROLLBACK_APP``, ``REVERT_APP_ROLLBACK``…)."""
        action = self.digitalocean_user_action
        return action.name if action is not None else ""

    @property
    def who(self) -> str:
        """The person DigitalOcean names as having made it ("" when none)."""
        action = self.digitalocean_user_action
        user = action.user if action is not None else None
        return (user.full_name or user.email) if user is not None else ""


ROLLBACK_TYPES = frozenset({"MANUAL_ROLLBACK", "AUTO_ROLLBACK"})
"""Deployment types of a rollback (apps_list_deployments.yml ``deployment_types``:
"MANUAL_ROLLBACK: manual revert to a previous deployment", "AUTO_ROLLBACK: automatic
revert to a previous deployment")."""
