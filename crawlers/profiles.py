"""Site profiles: what to crawl and how, as reviewed YAML data, validated on load.

An analyst adds a site by writing a profile, not code. A bad profile fails with the
file and the field named, e.g. ``demo.yaml: politeness.download_delay: ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, HttpUrl, ValidationError, ValidationInfo, field_validator

from leads.settings import get_settings
from leads.validation import Strict, validation_message


class ProfileError(ValueError):
    """A site profile that cannot be used."""


class Listing(Strict):
    item_links: str = Field(description="CSS selector yielding detail-page links")
    next_page: str | None = Field(default=None, description="CSS selector of the next page")


class Detail(Strict):
    fields: dict[str, str] = Field(description="field name -> CSS selector")
    text_fields: list[str] = Field(min_length=1, description="fields joined into the text")
    images: str | None = Field(default=None, description="CSS selector of picture URLs")
    max_images: int = Field(default=4, ge=0, le=20)

    @field_validator("text_fields")
    @classmethod
    def _known(cls, value: list[str], info: ValidationInfo) -> list[str]:
        missing = [f for f in value if f not in info.data.get("fields", {})]
        if missing:
            raise ValueError(f"names fields that 'fields' does not define: {missing}")
        return value


class Politeness(Strict):
    download_delay: float = Field(default=1.0, ge=0)
    concurrency_per_host: int = Field(default=2, ge=1, le=8)
    autothrottle: bool = True
    obey_robots: Literal[True] = True  # not switchable: robots.txt is always obeyed


class SiteProfile(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,62}$")
    name: str
    family: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="DAG per source family")
    enabled: bool = True
    terms: str = Field(min_length=10, description="terms-of-use note")
    legal_basis: str = Field(min_length=10)
    base_url: HttpUrl
    start_paths: list[str] = Field(min_length=1)
    listing: Listing
    detail: Detail
    render: bool = Field(default=False, description="needs JavaScript: use Playwright")
    screenshot: bool = Field(
        default=True, description="with render: save a full-page PNG of each detail page"
    )
    max_pages: int = Field(default=500, ge=1)
    politeness: Politeness = Politeness()

    def start_urls(self, base_url: str | None = None) -> list[str]:
        base = (base_url or str(self.base_url)).rstrip("/")
        return [base + "/" + path.lstrip("/") for path in self.start_paths]


def load_profile(path: Path) -> SiteProfile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot be read ({exc})") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path.name}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path.name}: a profile is a mapping of fields")
    try:
        return SiteProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{path.name}: {validation_message(exc)}") from None


def resolve_profile(name_or_path: str) -> Path:
    """A profile by id (in the profiles folder) or by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return get_settings().profiles_dir / f"{name_or_path}.yaml"


def registered_profiles(directory: Path | None = None) -> list[SiteProfile]:
    directory = directory or get_settings().profiles_dir
    return [load_profile(p) for p in sorted(directory.glob("*.yaml"))]
