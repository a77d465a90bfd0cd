"""SSRF guard decisions and profile validation (pure logic, no network)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from crawlers.netguard import ForbiddenAddress, check_url
from crawlers.profiles import ProfileError, load_profile, registered_profiles
from demo import PROFILES_DIR
from leads.settings import Settings


def _resolver(address: str) -> Callable[[str, int], list[str]]:
    return lambda host, port: [address]


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(address: str) -> None:
    with pytest.raises(ForbiddenAddress, match="non-public address"):
        check_url("http://ads.example.test/x", [], _resolver(address))


def test_public_addresses_and_allow_listed_hosts_pass() -> None:
    check_url("https://ads.example.test/x", [], _resolver("93.184.216.34"))
    check_url("http://127.0.0.1:8765/x", ["127.0.0.1:8765"], _resolver("127.0.0.1"))
    with pytest.raises(ForbiddenAddress):  # the allow-list is per port
        check_url("http://127.0.0.1:8766/x", ["127.0.0.1:8765"], _resolver("127.0.0.1"))
    with pytest.raises(ForbiddenAddress, match="scheme"):
        check_url("file:///etc/passwd", [], _resolver("93.184.216.34"))


def test_registered_profiles_are_valid() -> None:
    ids = {p.id for p in registered_profiles()}
    assert {"demo-classifieds", "demo-jobs"} <= ids


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("download_delay: 0.0", "download_delay: -1"), "politeness.download_delay"),
        (("render: false", "render: maybe"), "render"),
        (("text_fields: [title, body, phone]", "text_fields: [title, nope]"), "detail.text_fields"),
        (("id: demo-classifieds", "id: Bad Id!"), "id"),
        (("start_paths: [/classifieds/]", "start_paths: []"), "start_paths"),
    ],
)
def test_a_broken_profile_names_the_field(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    source = (PROFILES_DIR / "demo-classifieds.yaml").read_text()
    assert edit[0] in source
    broken = tmp_path / "broken.yaml"
    broken.write_text(source.replace(edit[0], edit[1]))
    with pytest.raises(ProfileError, match=rf"^broken.yaml: {message}"):
        load_profile(broken)


def test_a_profile_that_is_not_yaml_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(bad)


def test_our_middlewares_have_priorities_of_their_own_in_the_right_places(
    settings: Settings,
) -> None:
    from scrapy.settings.default_settings import DOWNLOADER_MIDDLEWARES_BASE

    from crawlers.settings import scrapy_settings

    profile = load_profile(PROFILES_DIR / "demo-classifieds.yaml")
    ours = scrapy_settings(profile, settings, "b", None, False)["DOWNLOADER_MIDDLEWARES"]
    base = {path.rsplit(".", 1)[-1]: n for path, n in DOWNLOADER_MIDDLEWARES_BASE.items()}
    assert not set(ours.values()) & set(base.values())  # no ties: the order is decided
    guard = ours["crawlers.middlewares.ssrf_guard.SsrfGuardMiddleware"]
    evidence = ours["crawlers.middlewares.evidence.WarcEvidenceMiddleware"]
    assert guard < min(base.values())  # every request, redirects too, checked first
    # Responses pass from high to low: decoded by HttpCompression, then recorded, then
    # acted on by MetaRefresh.
    assert base["MetaRefreshMiddleware"] < evidence < base["HttpCompressionMiddleware"]


def test_no_spider_callback_is_a_generator_that_returns_a_value() -> None:
    """Scrapy drops what a generator callback returns; its per-response warning about it
    is off (WARN_ON_GENERATOR_RETURN_VALUE, for speed), so our callbacks are checked here."""
    from scrapy.utils.misc import is_generator_with_return_value

    from crawlers.spiders.profile_spider import ProfileSpider

    callbacks: list[Callable[..., Any]] = [
        ProfileSpider.parse_listing,
        ProfileSpider.parse_detail,
        ProfileSpider.parse_image,
        ProfileSpider.image_failed,
        ProfileSpider.on_error,
    ]
    assert not [c.__name__ for c in callbacks if is_generator_with_return_value(c)]

    def returns_a_value() -> Generator[int, None, int]:
        yield 1
        return 2

    assert is_generator_with_return_value(returns_a_value)  # the check itself still works
