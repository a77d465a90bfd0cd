"""The demo boards at benchmark size: thousands of fictional ads, each with a number of its
own, served by id."""

from __future__ import annotations

import html
import re
import urllib.request
from collections import Counter

import pytest

from demo.boards.generator import CITIES, KEYCAP, PLANTED_PHONE, SPELLED, generate
from demo.boards.server import serve


def _digits(display: str) -> str:
    """The ten digits behind a displayed number, however the generator obfuscated it."""
    for digit, word in enumerate(SPELLED):
        display = re.sub(rf"\b{word}\b", str(digit), display)
    for digit, keycap in enumerate(KEYCAP):
        display = display.replace(keycap, str(digit))
    return re.sub(r"\D", "", display.replace("O", "0"))


def test_a_board_of_thousands_gives_every_ad_a_fictional_number_of_its_own() -> None:
    ads = generate(7, 4000, 300)
    numbers = Counter(_digits(a.phone_display) for a in ads if a.kind != "planted")
    assert sum(numbers.values()) > 4000
    assert max(numbers.values()) == 1
    assert all(re.fullmatch(r"[2-9]\d\d55501\d\d", n) for n in numbers)
    assert PLANTED_PHONE not in numbers
    assert {_digits(a.phone_display) for a in ads if a.kind == "planted"} == {PLANTED_PHONE}
    assert 0.4 < sum(a.photo is not None for a in ads) / 4300 < 0.6


def test_a_small_board_uses_only_each_city_s_own_area_code() -> None:
    own = {city: area for city, _, area in CITIES}
    ads = [a for a in generate() if a.board == "classifieds" and a.kind == "benign"]
    assert ads and all(_digits(a.phone_display)[:3] == own[a.city] for a in ads)


def test_a_board_beyond_the_fictional_numbers_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="run out of fictional numbers"):
        generate(7, 20_000, 0)


def test_the_server_serves_a_large_board_by_id() -> None:
    server, boards = serve(0, 7, 3000, 0)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        last = boards.boards["classifieds"][-1]
        with urllib.request.urlopen(f"{base}/classifieds/ad/{last.id}", timeout=10) as page:
            assert html.escape(last.body) in page.read().decode()
        with urllib.request.urlopen(f"{base}/classifieds/?page=150", timeout=10) as listing:
            assert "class='ad-link'" in listing.read().decode()
    finally:
        server.shutdown()
