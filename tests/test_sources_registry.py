"""The source registry: terms per kind and per source, enabled switches, authorizations,
ad-hoc runs, and errors that name the file, the entry and the field."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from crawlers.social import registry
from crawlers.social.collect import collect_source
from crawlers.social.registry import (
    RegistryError,
    SourceRefused,
    ad_hoc_source,
    load_sources,
    refusal,
    registered_sources,
)
from leads.settings import Settings

ENTRY = """
- id: {id}
  kind: {kind}
  name: test source
  enabled: {enabled}
  terms: {terms}
  legal_basis: A legal-basis note for the test.
  {extra}
"""


@pytest.fixture
def registry_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    monkeypatch.setattr(registry, "sources_dir", lambda: folder)
    return folder


def write(folder: Path, *entries: str) -> None:
    (folder / "test.yaml").write_text("".join(entries), encoding="utf-8")


def entry(
    id: str,
    kind: str = "telegram_preview",
    enabled: bool = True,
    terms: str = "Public previews, allowed.",
    extra: str = "channels: [demo_channel]",
) -> str:
    return ENTRY.format(id=id, kind=kind, enabled=str(enabled).lower(), terms=terms, extra=extra)


def test_the_bundled_registry_loads_and_lists_sites_too() -> None:
    sources = {s.id: s for s in registered_sources()}
    assert {"mastodon-demo-hiring", "telegram-demo-jobs", "demo-classifieds"} <= set(sources)
    assert sources["demo-jobs"].kind == "site"
    assert refusal(sources["telegram-demo-jobs"]) is None
    assert "disabled" in (refusal(sources["reddit-example"]) or "")


def test_a_disabled_source_is_refused_before_any_request(
    registry_dir: Path, settings: Settings
) -> None:
    write(registry_dir, entry("off-channel", enabled=False))
    source = load_sources()[0]
    with pytest.raises(SourceRefused, match="off-channel is disabled in the registry"):
        collect_source(source, "b1", settings=settings)


def test_own_terms_forbid_until_an_authorization_is_recorded(registry_dir: Path) -> None:
    write(
        registry_dir,
        entry("strict-instance", extra="channels: [a]\n  terms_allow: false"),
        entry(
            "strict-authorized",
            extra=(
                "channels: [b]\n  terms_allow: false\n  authorization:\n"
                "    by: Analyst Fakename\n    at: 2026-11-01T09:00:00Z\n"
                "    basis: Written agreement with the operator, ref. TEST-1"
            ),
        ),
    )
    first, second = load_sources()
    assert "its own terms forbid this use" in (refusal(first) or "")
    assert "authorization" in (refusal(first) or "")
    assert refusal(second) is None


def test_a_kind_whose_terms_forbid_is_refused_even_ad_hoc(registry_dir: Path) -> None:
    write(registry_dir, "[]\n")
    source = ad_hoc_source("reddit", subreddits=["example"])
    why = refusal(source) or ""
    assert "terms of kind reddit forbid this use" in why
    with pytest.raises(SourceRefused):
        registry.check_runnable(source)


def test_ad_hoc_runs_of_allowed_kinds_work_unless_a_registered_entry_disables_them(
    registry_dir: Path,
) -> None:
    write(registry_dir, entry("off-channel", enabled=False, extra="channels: [closed_one]"))
    open_one = ad_hoc_source("telegram_preview", channels=["another_channel"])
    assert open_one.id.startswith("adhoc-telegram-preview-") and refusal(open_one) is None
    with pytest.raises(SourceRefused, match="off-channel is disabled"):
        ad_hoc_source("telegram_preview", channels=["closed_one"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (entry("x1", kind="telegram_preview", extra="channels: []"), "source x1: channels"),
        (entry("x2", kind="mastodon", extra="instances: [http://a.example]"), "hashtags"),
        (entry("x3", kind="carrier_pigeon"), "source x3: kind"),
        (entry("Bad Id"), "source Bad Id: id"),
        (entry("x4", terms="short"), "source x4: terms"),
        (entry("x5", extra="channels: [a]\n  surprise: 1"), "source x5: surprise"),
    ],
)
def test_bad_entries_name_file_entry_and_field(registry_dir: Path, text: str, message: str) -> None:
    write(registry_dir, text)
    with pytest.raises(RegistryError) as info:
        load_sources()
    assert str(info.value).startswith("test.yaml: ")
    assert message in str(info.value)


def test_kinds_file_must_record_terms_for_every_collector(registry_dir: Path) -> None:
    (registry_dir / "kinds.yaml").write_text("mastodon:\n  platform: mastodon\n")
    registry.load_kinds.cache_clear()
    try:
        with pytest.raises(RegistryError, match="kinds.yaml: kind mastodon: allowed"):
            registry.load_kinds(registry_dir / "kinds.yaml")
    finally:
        registry.load_kinds.cache_clear()


def test_a_disabled_jetstream_source_refuses_ad_hoc_runs_on_its_endpoint(
    registry_dir: Path,
) -> None:
    endpoint = "wss://jetstream.example.org/subscribe"
    write(
        registry_dir,
        entry("off-jet", kind="bluesky_jetstream", enabled=False,
              extra=f"endpoint: {endpoint}\n  keywords: [visa]"),
    )  # fmt: skip
    with pytest.raises(SourceRefused, match="off-jet is disabled"):
        ad_hoc_source("bluesky_jetstream", endpoint=endpoint + "/", keywords=["fee"])


def test_a_new_kind_is_one_collector_module_and_one_registry_line(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    from crawlers.social.registry import KindTerms, parse_source

    kinds = {
        **registry.load_kinds(),
        "fake_kind": KindTerms(
            platform="fake", allowed=True, terms="A test kind whose terms allow this use.",
            pool_slots=1, min_interval=0,
        ),
    }  # fmt: skip
    monkeypatch.setitem(registry.COLLECTORS, "fake_kind", "tests.fake_collector")
    monkeypatch.setattr(registry, "load_kinds", lambda *a: kinds)
    monkeypatch.setattr("crawlers.social.collect.load_kinds", lambda *a: kinds)
    registry._adapter.cache_clear()
    try:
        source = parse_source({
            "id": "fake-1", "kind": "fake_kind", "name": "fake", "terms": "Test terms note.",
            "legal_basis": "Fictional test data.", "boards": ["north"],
        })  # fmt: skip
        out = io.StringIO()
        report = collect_source(source, "fake-batch", out=out, settings=settings)
    finally:
        registry._adapter.cache_clear()
    assert report.targets == {"board:north": "ok: 1 post"}
    assert json.loads(out.getvalue())["text"].startswith("Hiring on north")


def test_lantern_ships_only_disabled_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawlers.profiles import registered_profiles
    from leads.settings import REPO_ROOT
    from leads.settings import Settings as Defaults

    monkeypatch.delenv("LANTERN_PROFILES_DIR")
    monkeypatch.delenv("LANTERN_SOURCES_DIR")
    shipped = Defaults()  # what a deployment gets without its own folders
    shipped_profiles = registered_profiles(REPO_ROOT / "crawlers" / "profiles")
    shipped_sources = load_sources(REPO_ROOT / "crawlers" / "sources")
    assert shipped.profiles_dir == REPO_ROOT / "crawlers" / "profiles"
    assert shipped.sources_dir == REPO_ROOT / "crawlers" / "sources"
    assert [p.id for p in shipped_profiles] == ["example-classifieds"]
    assert not any(p.enabled for p in shipped_profiles)
    assert {s.kind for s in shipped_sources} == {*registry.COLLECTABLE, "reddit"}
    assert all("is disabled" in (refusal(s) or "") for s in shipped_sources)
