"""Selector extraction: the hard cases analysts rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from leads.limits import MAX_TEXT_CHARS
from nlp.crypto import base58check_valid, eip55_valid, find_crypto_addresses, segwit_valid
from nlp.evaluate import load_devset
from nlp.pipeline import MAX_CHARS, ModelError, build_pipeline, extract
from tests.conftest import DEVSET

BTC = "13LawwqxKfuFojvZyKXijERWtgZY7aRJCf"  # randomly generated, checksum-valid, fictional
SEGWIT = "bc1qygkjjwvzzsfw28f9mkvsf9genl56v75w8qud0q"
TAPROOT = "bc1puf4666m49z9u3r77jwfpvhea3nx28f7h0xdqfwlfwhxud0e550zqumu9sm"
ETH = "0x29E9AB7dbd3c43C0fA18e8C5E63a26960A9aEb70"


def _values(text: str, kind: str) -> list[str]:
    return [e.value for e in extract(text).entities if e.type == kind]


def _one_wrong(address: str, index: int) -> str:
    ch = address[index]
    swap = {"a": "b", "b": "c", "A": "B", "B": "C", "0": "2", "2": "3", "q": "p", "p": "q"}
    replacement = swap.get(ch, "x" if ch != "x" else "y")
    return address[:index] + replacement + address[index + 1 :]


@pytest.mark.parametrize("address", [BTC, SEGWIT, TAPROOT, ETH])
def test_checksum_valid_addresses_are_extracted(address: str) -> None:
    expected = address if address[0] in "10" else address.lower()
    assert _values(f"send to {address} today", "crypto_address") == [expected]


@pytest.mark.parametrize("written", [ETH.lower(), ETH.upper().replace("0X", "0x"), ETH])
def test_an_ethereum_address_reads_in_its_checksum_case_however_written(written: str) -> None:
    # Matching stays case-insensitive; the value is the EIP-55 form people paste.
    assert _values(f"tips: {written}", "crypto_address") == [ETH]


@pytest.mark.parametrize("address", [BTC, SEGWIT, TAPROOT, ETH])
@pytest.mark.parametrize("index", [5, 17, -1])
def test_one_wrong_character_is_not_extracted(address: str, index: int) -> None:
    broken = _one_wrong(address, index)
    assert broken != address
    assert find_crypto_addresses(f"send to {broken} today") == []


def test_checksum_functions_reject_what_they_should() -> None:
    assert base58check_valid(BTC) and not base58check_valid(BTC[:-1] + "g")
    assert segwit_valid(SEGWIT) and not segwit_valid(SEGWIT.upper()[:10] + SEGWIT[10:])
    assert eip55_valid(ETH) and eip55_valid(ETH.lower()) and not eip55_valid(ETH[:-1] + "1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$150hh or $200/hr", []),
        ("cash app $SweetPea99", ["cashapp:$sweetpea99"]),
        ("Zelle: 702-555-0142", ["zelle:+17025550142"]),
        ("zelle to luna.demo@example.com", ["zelle:luna.demo@example.com"]),
        ("we never use Zelle; questions? 702-555-0142 during office hours", []),
        ("Venmo @Fake-Name", ["venmo:fake-name"]),
        ("paypal.me/Fictional", ["paypal:fictional"]),
    ],
)
def test_payment_handles(text: str, expected: list[str]) -> None:
    assert _values(text, "payment_handle") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IG:@luna.example", ["instagram:luna.example"]),
        ("snap: candy_x", ["snapchat:candy_x"]),
        ("telegram@rosa_demo", ["telegram:rosa_demo"]),
        ("DM on X @zoe_demo", ["x:zoe_demo"]),
        ("of course, 10:30 works", []),
        ("text me on snap or ig", []),
    ],
)
def test_social_handles_need_the_platform_named(text: str, expected: list[str]) -> None:
    assert _values(text, "social_handle") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Honey Demo, 25. GFE", ["25"]),
        ("Zoe Demo 21 yo", ["21"]),
        ("recién cumplidos 18 😇", ["18"]),
        ("edades 18 a 45", ["18", "45"]),
        ("Unit 22, 45 minutes away, 30 people max", []),
        ("she is 121 yo", []),
    ],
)
def test_ages_are_stated_ages_only(text: str, expected: list[str]) -> None:
    assert sorted(_values(text, "age")) == expected


def test_places_resolve_by_state_and_skip_everyday_words() -> None:
    found = extract(
        "From Portland, ME to Portland, Springfield, IL; Mobile phones; Carolina del Norte"
    )
    places = [(e.value, e.text) for e in found.entities if e.type == "location"]
    assert places == [
        ("Portland, ME", "Portland, ME"),
        ("Portland, OR", "Portland"),  # alone: the most populous
        ("Springfield, IL", "Springfield, IL"),
        ("NC", "Carolina del Norte"),
    ]
    assert all(e.lat and e.lon for e in found.entities if e.type == "location")


def test_every_offset_in_the_dev_set_points_at_the_text_as_written() -> None:
    for record in load_devset(DEVSET):
        result = extract(record.text)
        spans = [(e.start, e.end, e.text) for e in result.entities]
        spans += [(i.start, i.end, i.text) for i in result.indicators]
        for start, end, written in spans:
            assert record.text[start:end] == written, (record.id, written)


def test_a_missing_statistical_model_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="not installed"):
        build_pipeline("no_such_spacy_model_pkg")


def test_long_texts_are_cut_at_the_documented_limit() -> None:
    assert MAX_TEXT_CHARS == MAX_CHARS
    text = "word " * 30_000 + " call (702) 555-0142"
    assert _values(text, "phone") == []  # past the limit: not read
    assert _values("call (702) 555-0142 " + "word " * 30_000, "phone") == ["+17025550142"]


def test_a_configured_statistical_model_adds_its_entities(tmp_path: Path) -> None:
    """A real (tiny) spaCy NER model, trained here and loaded by path as a configured
    model would be: its PERSON/GPE entities join the rule-based ones."""
    import random

    import spacy
    from spacy.training import Example

    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    data = [
        ("Ask for Luna Fictitia tonight", [(8, 21, "PERSON")]),
        ("Nova Example will call you", [(0, 12, "PERSON")]),
        ("Now working in Springfield", [(15, 26, "GPE")]),
    ]
    for _, spans in data:
        for _, _, label in spans:
            ner.add_label(label)  # type: ignore[attr-defined]
    examples = [Example.from_dict(nlp.make_doc(t), {"entities": s}) for t, s in data]
    optimizer = nlp.initialize(lambda: examples)
    random.seed(0)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer, drop=0.0)
    nlp.to_disk(tmp_path / "tiny_ner")

    pipeline = build_pipeline(str(tmp_path / "tiny_ner"))
    doc = pipeline("Ask for Luna Fictitia tonight, call (702) 555-0142")
    from nlp.pipeline import doc_to_extraction

    result = doc_to_extraction(doc, "x", with_ner=True)
    kinds = {(e.type, e.value) for e in result.entities}
    assert ("person", "Luna Fictitia") in kinds
    assert ("phone", "+17025550142") in kinds

    # The streaming path runs a statistical model too (through nlp.pipe), in input order.
    from nlp.pipeline import extract_many

    texts = ["Ask for Luna Fictitia tonight, call (702) 555-0142", "nothing", "call 555"]
    records = [(str(i), text) for i, text in enumerate(texts)]
    streamed = list(extract_many(records, model=str(tmp_path / "tiny_ner")))
    assert [e.id for e in streamed] == ["0", "1", "2"]
    assert ("person", "Luna Fictitia") in {(e.type, e.value) for e in streamed[0].entities}


def test_plain_phone_shortcut_agrees_with_the_piece_by_piece_path(monkeypatch) -> None:
    """Plainly written numbers take a one-step path; every grouping, separator and
    prefix must give exactly what the general path gives (including "hidden" for odd
    groupings and nothing after a "$" or "#")."""
    import random

    from nlp import phones

    rng = random.Random(5)
    separators = ["", " ", "-", ".", ") ", "(", " - ", "  ", ". "]
    groupings = [[3, 3, 4], [1, 3, 3, 4], [4, 3, 4], [6, 4], [3, 7], [10], [11], [1, 10]]
    texts = []
    for _ in range(3000):
        area = rng.choice(["212", "213", "702", "305"])
        digits = area + "5550" + f"1{rng.randrange(10)}{rng.randrange(10)}"[:3]  # 555-01xx
        digits = ("1" if rng.random() < 0.4 else "") + digits[:10]
        sizes = rng.choice([g for g in groupings if sum(g) == len(digits)])
        parts, at = [], 0
        for size in sizes:
            parts.append(digits[at : at + size])
            at += size
        body = "".join(
            p + (rng.choice(separators) if i < len(parts) - 1 else "") for i, p in enumerate(parts)
        )
        texts.append(
            rng.choice(["call ", "$", "#", "(", "tel: "])
            + body
            + rng.choice([" now", ".", " 9:15", ""])
        )
    fast = [phones.find_phones(t, spelled=False) for t in texts]
    monkeypatch.setattr(phones, "_plain_phone", lambda *_: None)
    slow = [phones.find_phones(t, spelled=False) for t in texts]
    assert fast == slow
    assert sum(1 for found in fast if found) > 1000  # the shortcut was exercised


def test_compiled_number_scans_find_what_the_regexes_found() -> None:
    """The compiled passes replace regex scans; on mixed text (prices, times, Unicode
    and full-width digits, keycaps, look-alike letters, units, symbols) they must give
    the same places, and the age pass may skip only numbers the age pattern rejects."""
    import random
    import re

    from nlp.contacts import _PRICE_UNITS
    from nlp.quantities import _AGE_NUMBER
    from nlp.scan import WordScan, age_numbers, cashtags, dollar_prices, marks, phone_outlines
    from nlp.selectors import _WORDS

    outline = re.compile(r"\d[\d\s\-.()/_*~•·|,+:\ufe0f\u20e3OoIl]{9,}")
    two_digits = re.compile(r"(?<!\d)[1-7]\d(?!\d)")
    price = re.compile(r"\$\s?(?P<a>\d{1,3}(?:,\d{3})+|\d+)(?P<d>\.\d{1,2})?")
    cashtag = re.compile(
        r"\$(?<![\w$]\$)(?=[A-Za-z0-9_]{0,19}[A-Za-z])(?P<tag>[A-Za-z0-9_]{1,20})\b"
    )
    price_like = re.compile(rf"\d+(?:{'|'.join(_PRICE_UNITS)})?", re.IGNORECASE)
    mark = re.compile(r"(?<!\d)[:@]")
    rng = random.Random(9)
    pieces = ["213", "555", "0101", "$150", "7:30pm", "25", "19", "8", "121", " ", " - ",
              "(", ")", "O", "l", "٣٤", "２１３", "3\ufe0f\u20e3", "•", "yo", "Luna", ".", ",",
              "\n", "años", "555-0142", "$", "$ ", "1,500", ",000", ".5", ".50", "17", "Y",
              "a", "💋", "!", ";", "_", "y/o", "\u00a0", "hh", "QV", "Luna_Demo", "é", "ig:",
              "@", "$$", "abcdefghijklmnopqrstu", "hora", "k", " $luna ", "$Rosa_Demo",
              " $150hh ", "AGE", "Edad", "massage", "DÓLARES", "dólar", "Dollars", "USD", " DOT ",
              "(dot)", "HTTP", "0X", "Venmo", "ZELLE", "PayPal", "bc1", "TB1", "Turned", "cumplí",
              " PUNTO ", "[Dot]"]  # fmt: skip
    ages = skipped = tags = words = 0
    for _ in range(8000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 25)))
        assert phone_outlines(text) == [m.span() for m in outline.finditer(text)], text
        assert dollar_prices(text) == [
            (m.start(), m.end(), m["a"].replace(",", "") + (m["d"] or ""))
            for m in price.finditer(text)
        ], text
        assert marks(text) == [m.start() for m in mark.finditer(text)], text
        expected_tags = [
            m.span()
            for m in cashtag.finditer(text)
            if not (m["tag"][0].isdigit() and price_like.fullmatch(m["tag"]))
        ]
        assert cashtags(text, _PRICE_UNITS) == expected_tags, text
        tags += len(expected_tags)
        low = text.lower()  # the old way: a search of the lower-cased text per word
        expected_words = {
            w: [i for i in range(len(low)) if low.startswith(w, i)]
            for w in _WORDS.words
            if w in low
        }
        assert _WORDS.starts(text) == expected_words, text
        words += len(expected_words)
        candidates = age_numbers(text)
        numbers = [m.start() for m in two_digits.finditer(text)]
        assert set(candidates) <= set(numbers), text
        for at in numbers:
            m = _AGE_NUMBER.match(text, at)
            if m is not None and m["a"] >= "18":
                ages += 1
                assert at in candidates, text
            elif at not in candidates:
                skipped += 1
    assert min(ages, skipped, tags, words) > 500  # every side was exercised
    for bad in (["Venmo"], ["óla"], [""]):
        with pytest.raises(ValueError):
            WordScan(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write luna at gmail.com tonight", ["luna@gmail.com"]),
        ("LUNA.DEMO AT YAHOO.COM", ["luna.demo@yahoo.com"]),
        ("luna dot demo at outlook.com", ["luna.demo@outlook.com"]),
        ("escríbeme: rosa(arroba)gmail(punto)com", ["rosa@gmail.com"]),
        ("rosa.demo (arroba) example.org", ["rosa.demo@example.org"]),
        ("rosa [at] example.net", ["rosa@example.net"]),
        ("rosa punto demo arroba hotmail punto com", ["rosa.demo@hotmail.com"]),
        # An "at" before a website is a place to go, not an email.
        ("apply online at careers.example.com", []),
        ("email me at gmail.com", []),
    ],
)
def test_emails_with_the_at_sign_written_as_a_word(text: str, expected: list[str]) -> None:
    assert _values(text, "email") == expected
