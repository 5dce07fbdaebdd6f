"""An app's spec as DigitalOcean sends it (``models/app_spec.yml``): its components and
where each one's code comes from. Read through ``bot.digitalocean.models``.

An app spec is written by people (and by whoever can edit the app): a field of the wrong
type in it reads as "nothing" rather than making the whole app unreadable (a
deployment's own ``spec`` is read the same way).
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

T = TypeVar("T")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _none_as_empty(value: Any) -> Any:
    return "" if value is None else value


def _text_or_empty(value: Any) -> Any:
    return value if isinstance(value, str) else ""


def _object_or_none(value: Any) -> Any:
    return value if isinstance(value, dict | BaseModel) else None


def _objects_only(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(item for item in value if isinstance(item, dict | BaseModel))
    return ()


Loose = Annotated[str, BeforeValidator(_text_or_empty)]
# The app's name, as ``models.Text``: null reads as "" (anything but text is refused).
Name = Annotated[str, BeforeValidator(_none_as_empty)]


class RepoSource(_Spec):
    """``apps_github_source_spec.yml`` / ``…gitlab…`` / ``…bitbucket…``: ``repo`` is
    "the name of the repo in the format owner/repo"."""

    repo: Loose = ""
    branch: Loose = ""


class GitSource(_Spec):
    """``apps_git_source_spec.yml``: any git host, by its clone URL."""

    repo_clone_url: Loose = ""
    branch: Loose = ""


class ImageSource(_Spec):
    """``apps_image_source_spec.yml``. ``registry_credentials`` is deliberately not read:
    it is a secret, and nothing here needs it."""

    registry: Loose = ""
    registry_type: Loose = ""
    repository: Loose = ""
    tag: Loose = ""
    digest: Loose = ""


Source = Annotated[T | None, BeforeValidator(_object_or_none)]


class ComponentSpec(_Spec):
    """A component of an app spec (``app_component_base.yml``; functions have no image)."""

    name: Loose = ""
    github: Source[RepoSource] = None
    gitlab: Source[RepoSource] = None
    bitbucket: Source[RepoSource] = None
    git: Source[GitSource] = None
    image: Source[ImageSource] = None


Components = Annotated[tuple[ComponentSpec, ...], BeforeValidator(_objects_only)]


class AppSpec(_Spec):
    name: Name = ""
    services: Components = ()
    workers: Components = ()
    jobs: Components = ()
    static_sites: Components = ()
    functions: Components = ()

    @property
    def components(self) -> tuple[ComponentSpec, ...]:
        """Every component of every kind, in the spec's order."""
        return (*self.services, *self.workers, *self.jobs, *self.static_sites, *self.functions)
