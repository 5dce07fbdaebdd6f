"""The answer of ``GET …/deployments/{dep}/components/{name}/logs`` (apps_get_logs.yml).

A leaf like ``bot.digitalocean.models``: pydantic only.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.digitalocean.models import Many, Text


class ComponentLogs(BaseModel):
    """apps_get_logs.yml's answer: ``{historic_urls: [...], live_url}``. The spec's own
    example (responses/examples.yml ``logs``) says ``historic_logs`` and ``url`` instead:
    both are read."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    historic_urls: Many[str] = ()
    historic_logs: Many[str] = ()
    live_url: Text = ""
    url: Text = ""

    @property
    def archived(self) -> tuple[str, ...]:
        """The archived (pre-signed) log files, oldest first, each once."""
        return tuple(dict.fromkeys((*self.historic_urls, *self.historic_logs)))
