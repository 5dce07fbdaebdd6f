"""What caused a deployment (``apps_deployment.yml``, ``cause_details``): its ``type``,
one of the ``deployment_types`` of ``apps_list_deployments.yml`` (``MANUAL``,
``DEPLOY_ON_PUSH``, ``MANUAL_ROLLBACK``, ``AUTO_ROLLBACK``…). A leaf, like the models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class CauseDetails(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str = ""

    @field_validator("type", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value
