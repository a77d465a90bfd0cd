"""The source registry: every source with its terms, legal basis and an on/off switch.

- ``crawlers/social/kinds.yaml`` (product data): the terms per kind of source (the
  public Mastodon API, Bluesky's AppView and Jetstream, Telegram's public previews,
  Reddit …). A kind whose terms forbid this use is refused, even for an ad-hoc run.
- ``*.yaml`` in the sources folder (``LANTERN_SOURCES_DIR``; the shipped folder holds
  documented, disabled examples): the registered sources, each with its own terms note.
  A source whose own terms forbid this use stays refused until an operator records an
  authorization. Entries are validated on load; errors name the file, entry and field.

A social kind is one collector module (its ``Source`` model with the kind's targets, and
``collect(ctx)``), one line in :data:`COLLECTORS`, and its terms in ``kinds.yaml``.
Site profiles (``LANTERN_PROFILES_DIR``) carry the same notes and are listed here too.
"""

from __future__ import annotations

import importlib
import operator
import re
from datetime import datetime
from functools import lru_cache, reduce
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import Field, TypeAdapter, ValidationError

from leads.ids import stable_id
from leads.settings import get_settings
from leads.validation import Strict, field_path, validation_message

KINDS_FILE = Path(__file__).with_name("kinds.yaml")
# kind -> the module that collects it (imported only when a registry is read or run).
COLLECTORS: dict[str, str] = {
    "mastodon": "crawlers.social.mastodon",
    "bluesky_appview": "crawlers.social.bluesky",
    "bluesky_jetstream": "crawlers.social.jetstream",
    "telegram_preview": "crawlers.social.telegram",
}
COLLECTABLE = tuple(COLLECTORS)


class RegistryError(ValueError):
    """A registry file or entry that fails validation."""


class SourceRefused(RuntimeError):
    """A source may not run: disabled, or its terms forbid this use without authorization."""


class KindTerms(Strict):
    platform: str
    allowed: bool
    terms: str = Field(min_length=20)
    pool_slots: int = Field(ge=1, le=32)
    min_interval: float = Field(ge=0)


class Authorization(Strict):
    """An operator's recorded decision to run a source its terms would otherwise forbid."""

    by: str = Field(min_length=2)
    at: datetime
    basis: str = Field(min_length=10, description="legal process, agreement or policy")


def http_url(value: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


class SourceBase(Strict):
    """What every registered source has; each kind's model adds its targets."""

    # The target fields that say *what* a source watches (an instance, an actor, a
    # channel): an ad-hoc run touching one of them answers to the registered entry.
    identities: ClassVar[tuple[str, ...]] = ()

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,62}$")
    kind: str
    name: str
    enabled: bool = True
    terms: str = Field(min_length=10, description="this source's own terms-of-use note")
    legal_basis: str = Field(min_length=10)
    terms_allow: bool = Field(default=True, description="false: its own terms forbid this use")
    authorization: Authorization | None = None
    max_pages: int = Field(default=10, ge=1, le=1000)


# Kept as the name callers type against: any registered source.
Source = SourceBase


class RedditSource(SourceBase):
    """Registered only to be refused: Reddit's terms forbid this use (no collector)."""

    kind: Literal["reddit"]
    subreddits: list[str] = Field(default_factory=list)


class SiteSource(SourceBase):
    """A site profile, listed with the social sources for one view of every source."""

    kind: Literal["site"]
    profile: str


@lru_cache(maxsize=1)
def _adapter() -> TypeAdapter[Any]:
    """Entries validated by their ``kind``: each collector module's ``Source`` model."""
    models = [importlib.import_module(m).Source for m in COLLECTORS.values()]
    kinds: Any = reduce(operator.or_, [*models, RedditSource, SiteSource])
    return TypeAdapter(Annotated[kinds, Field(discriminator="kind")])


def parse_source(entry: Any) -> SourceBase:
    """One registry entry as its kind's model (raises pydantic's ValidationError)."""
    source: SourceBase = _adapter().validate_python(entry)
    return source


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: no such file") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path.name}: not valid YAML ({exc})") from None


@lru_cache(maxsize=4)
def load_kinds(path: Path = KINDS_FILE) -> dict[str, KindTerms]:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise RegistryError(f"{path.name}: a mapping of kind -> terms")
    kinds: dict[str, KindTerms] = {}
    for name, entry in data.items():
        try:
            kinds[str(name)] = KindTerms.model_validate(entry)
        except ValidationError as exc:
            raise RegistryError(f"{path.name}: kind {name}: {validation_message(exc)}") from None
    missing = [k for k in (*COLLECTORS, "reddit") if k not in kinds]
    if missing:
        raise RegistryError(f"{path.name}: no terms recorded for kinds {missing}")
    return kinds


def sources_dir() -> Path:
    return get_settings().sources_dir


def _entry_error(exc: ValidationError) -> str:
    """Which field of an entry failed; the kind that chose the model is not a field."""
    first = exc.errors()[0]
    loc = first["loc"]
    if len(loc) > 1 and loc[0] in (*COLLECTORS, "reddit", "site"):
        loc = loc[1:]
    if first["type"] == "union_tag_invalid":
        loc = ("kind",)
    return f"{field_path(loc)}: {first['msg']}"


def load_sources(directory: Path | None = None) -> list[Source]:
    """Registered social sources from every ``*.yaml`` in the sources folder."""
    folder = directory or sources_dir()
    sources: list[Source] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        data = _read_yaml(path) or []
        if not isinstance(data, list):
            raise RegistryError(f"{path.name}: a list of sources")
        for index, entry in enumerate(data):
            label = entry.get("id", f"#{index + 1}") if isinstance(entry, dict) else index + 1
            try:
                source = parse_source(entry)
            except ValidationError as exc:
                raise RegistryError(f"{path.name}: source {label}: {_entry_error(exc)}") from None
            if source.id in seen:
                raise RegistryError(f"{path.name}: duplicate source id {source.id!r}")
            seen.add(source.id)
            sources.append(source)
    return sources


def registered_sources(directory: Path | None = None) -> list[Source]:
    """Every source: the social registry plus the site profiles, as one list."""
    from crawlers.profiles import registered_profiles

    sites = [
        SiteSource(
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
    if source.kind not in COLLECTORS:
        return f"source {source.id}: Lantern has no collector for kind {source.kind}"
    return None


def check_runnable(source: Source) -> None:
    why = refusal(source)
    if why:
        raise SourceRefused(why)


def ad_hoc_source(kind: str, **targets: Any) -> Source:
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
    return parse_source(
        {
            "id": f"adhoc-{kind.replace('_', '-')}-{key}",
            "kind": kind,
            "name": f"ad-hoc {kind} run",
            "terms": kinds[kind].terms,
            "legal_basis": "ad-hoc operator run of a kind whose terms allow it",
            **targets,
        }
    )


def _norm(values: Any) -> set[str]:
    if isinstance(values, str):
        values = [values]
    return {str(v).rstrip("/").lower() for v in values} if isinstance(values, list) else set()


def _overlaps(source: Source, targets: dict[str, Any]) -> bool:
    """Whether the run touches an instance, actor or channel the source registers."""
    return any(_norm(targets.get(n)) & _norm(getattr(source, n, None)) for n in source.identities)


def _covers(source: Source, targets: dict[str, Any]) -> bool:
    for name, wanted in targets.items():
        have = getattr(source, name, None)
        if isinstance(wanted, list):
            if not wanted or not isinstance(have, list) or not set(wanted) <= set(have):
                return False
        elif isinstance(wanted, str) and wanted.rstrip("/") != str(have).rstrip("/"):
            return False
    return True
