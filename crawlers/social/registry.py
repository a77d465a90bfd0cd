"""The source registry: every source with its terms, legal basis and an on/off switch.

Two YAML files under ``crawlers/sources/`` (validated on load, errors name the file,
the entry and the field):

- ``kinds.yaml``: the terms per kind of source (the public Mastodon API, Bluesky's
  AppView and Jetstream, Telegram's public previews, Reddit …). A kind whose terms
  forbid this use is refused, even for an ad-hoc run.
- ``social.yaml``: the registered sources (instances with hashtags or accounts, actor
  lists, keyword watches, channel lists), each with its own terms note. A source whose
  own terms forbid this use stays refused until an operator records an authorization.

Site profiles (``crawlers/profiles/``) carry the same notes and are listed here too.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leads.ids import stable_id
from leads.settings import REPO_ROOT, get_settings

SOURCES_DIR = REPO_ROOT / "crawlers" / "sources"
Kind = Literal[
    "mastodon", "bluesky_appview", "bluesky_jetstream", "telegram_preview", "reddit", "site"
]
# Kinds Lantern has a collector for (Reddit is registered only to be refused).
COLLECTABLE = ("mastodon", "bluesky_appview", "bluesky_jetstream", "telegram_preview")


class RegistryError(ValueError):
    """A registry file or entry that fails validation."""


class SourceRefused(RuntimeError):
    """A source may not run: disabled, or its terms forbid this use without authorization."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KindTerms(_Strict):
    platform: str
    allowed: bool
    terms: str = Field(min_length=20)
    pool_slots: int = Field(ge=1, le=32)
    min_interval: float = Field(ge=0)


class Authorization(_Strict):
    """An operator's recorded decision to run a source its terms would otherwise forbid."""

    by: str = Field(min_length=2)
    at: datetime
    basis: str = Field(min_length=10, description="legal process, agreement or policy")


class Source(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,62}$")
    kind: Kind
    name: str
    enabled: bool = True
    terms: str = Field(min_length=10, description="this source's own terms-of-use note")
    legal_basis: str = Field(min_length=10)
    terms_allow: bool = Field(default=True, description="false: its own terms forbid this use")
    authorization: Authorization | None = None
    max_pages: int = Field(default=10, ge=1, le=1000)
    # mastodon
    instances: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)
    public_timeline: bool = False
    # bluesky_appview
    appview: str = "https://public.api.bsky.app"
    actors: list[str] = Field(default_factory=list)
    # bluesky_jetstream
    endpoint: str = "wss://jetstream2.us-east.bsky.network/subscribe"
    keywords: list[str] = Field(default_factory=list)
    window_seconds: float = Field(default=60, gt=0, le=3600)
    # telegram_preview
    base_url: str = "https://t.me"
    channels: list[str] = Field(default_factory=list)
    # reddit (registered only to be refused)
    subreddits: list[str] = Field(default_factory=list)
    # site (a site profile, listed here for one view of every source)
    profile: str | None = None

    @model_validator(mode="after")
    def _targets(self) -> Source:
        needs = {
            "mastodon": self.instances and (self.hashtags or self.accounts or self.public_timeline),
            "bluesky_appview": self.actors,
            "bluesky_jetstream": self.keywords,
            "telegram_preview": self.channels,
            "reddit": True,
            "site": self.profile,
        }
        if not needs[self.kind]:
            what = {
                "mastodon": "'instances' and one of 'hashtags', 'accounts', 'public_timeline'",
                "bluesky_appview": "'actors'",
                "bluesky_jetstream": "'keywords'",
                "telegram_preview": "'channels'",
                "site": "'profile'",
            }[self.kind]
            raise ValueError(f"a {self.kind} source needs {what}")
        for url in [*self.instances, self.appview, self.base_url]:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ValueError(f"{url!r} is not an http(s) URL")
        if not re.match(r"^wss?://[^/\s]+", self.endpoint):
            raise ValueError(f"endpoint {self.endpoint!r} is not a ws(s) URL")
        return self


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "entry"


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: no such file") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path.name}: not valid YAML ({exc})") from None


@lru_cache(maxsize=4)
def load_kinds(directory: Path | None = None) -> dict[str, KindTerms]:
    path = (directory or sources_dir()) / "kinds.yaml"
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise RegistryError(f"{path.name}: a mapping of kind -> terms")
    kinds: dict[str, KindTerms] = {}
    for name, entry in data.items():
        try:
            kinds[str(name)] = KindTerms.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise RegistryError(
                f"{path.name}: kind {name}: {_field_path(err['loc'])}: {err['msg']}"
            ) from None
    missing = [k for k in COLLECTABLE + ("reddit",) if k not in kinds]
    if missing:
        raise RegistryError(f"{path.name}: no terms recorded for kinds {missing}")
    return kinds


def sources_dir() -> Path:
    return get_settings().sources_dir or SOURCES_DIR


def load_sources(directory: Path | None = None) -> list[Source]:
    """Registered social sources from every ``*.yaml`` but ``kinds.yaml``."""
    folder = directory or sources_dir()
    sources: list[Source] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "kinds.yaml":
            continue
        data = _read_yaml(path) or []
        if not isinstance(data, list):
            raise RegistryError(f"{path.name}: a list of sources")
        for index, entry in enumerate(data):
            label = entry.get("id", f"#{index + 1}") if isinstance(entry, dict) else index + 1
            try:
                source = Source.model_validate(entry)
            except ValidationError as exc:
                err = exc.errors()[0]
                raise RegistryError(
                    f"{path.name}: source {label}: {_field_path(err['loc'])}: {err['msg']}"
                ) from None
            if source.id in seen:
                raise RegistryError(f"{path.name}: duplicate source id {source.id!r}")
            seen.add(source.id)
            sources.append(source)
    return sources


def registered_sources(directory: Path | None = None) -> list[Source]:
    """Every source: the social registry plus the site profiles, as one list."""
    from crawlers.profiles import registered_profiles

    sites = [
        Source(
            id=p.id,
            kind="site",
            name=p.name,
            enabled=p.enabled,
            terms=p.terms,
            legal_basis=p.legal_basis,
            profile=p.id,
        )
        for p in registered_profiles()
    ]
    return [*load_sources(directory), *sites]


def social_pool(kind: str) -> str:
    """The Airflow pool that caps concurrent collectors of one kind across workers."""
    return f"social-{kind.replace('_', '-')}"


def refusal(source: Source, kinds: dict[str, KindTerms] | None = None) -> str | None:
    """Why ``source`` may not run, or None when it may."""
    if source.kind == "site":
        return None if source.enabled else f"source {source.id} is disabled in its profile"
    kind = (kinds or load_kinds())[source.kind]
    if not source.enabled:
        return (
            f"source {source.id} is disabled in the registry "
            f"(set enabled: true in its entry under {sources_dir()})"
        )
    if source.authorization is None:
        if not kind.allowed:
            return (
                f"source {source.id}: the terms of kind {source.kind} forbid this use "
                f"({kind.terms}) and no authorization is recorded"
            )
        if not source.terms_allow:
            return (
                f"source {source.id}: its own terms forbid this use ({source.terms}); "
                "an operator must record an authorization (by, at, basis) in its entry"
            )
    if source.kind not in COLLECTABLE:
        return f"source {source.id}: Lantern has no collector for kind {source.kind}"
    return None


def check_runnable(source: Source) -> None:
    why = refusal(source)
    if why:
        raise SourceRefused(why)


def ad_hoc_source(kind: Kind, **targets: Any) -> Source:
    """A source for a CLI run against targets that are not registered. The kind's terms
    are checked like a registered source's; a registered source that covers the same
    target wins (so a disabled channel stays refused ad hoc too)."""
    kinds = load_kinds()
    if kind not in kinds:
        raise SourceRefused(f"unknown kind {kind!r}")
    for source in load_sources():
        if source.kind != kind or not _overlaps(source, targets):
            continue
        why = refusal(source)
        if why:
            raise SourceRefused(f"{why} (it is registered for these targets)")
        if _covers(source, targets):
            return source
    key = stable_id(kind, repr(sorted(targets.items())))[:10]
    return Source(
        id=f"adhoc-{kind.replace('_', '-')}-{key}",
        kind=kind,
        name=f"ad-hoc {kind} run",
        terms=kinds[kind].terms,
        legal_basis="ad-hoc operator run of a kind whose terms allow it",
        **targets,
    )


_IDENTITIES = ("instances", "actors", "channels")


def _norm(values: Any) -> set[str]:
    return {str(v).rstrip("/").lower() for v in values} if isinstance(values, list) else set()


def _overlaps(source: Source, targets: dict[str, Any]) -> bool:
    """Whether the run touches an instance, actor or channel the source registers."""
    return any(_norm(targets.get(n)) & _norm(getattr(source, n)) for n in _IDENTITIES)


def _covers(source: Source, targets: dict[str, Any]) -> bool:
    for name, wanted in targets.items():
        have = getattr(source, name, None)
        if isinstance(wanted, list):
            if not wanted or not isinstance(have, list) or not set(wanted) <= set(have):
                return False
        elif isinstance(wanted, str) and wanted.rstrip("/") != str(have).rstrip("/"):
            return False
    return True
