"""Phone numbers as written in ads, including the ways ads hide them.

One compiled pass finds "phone-like runs" (digits, Unicode and full-width digits, keycap
emoji, look-alike letters mixed into digits, spelled digits in English and Spanish, with
short separators between); only those few runs are examined in Python. A run becomes a
phone when it holds a 10- or 11-digit number that libphonenumber accepts and is not a
price. ``obfuscated`` is true when the writing hid the number from a plain digit search.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import pairwise

import phonenumbers

from leads.models import EntityFields
from nlp.scan import phone_outlines

SPELLED = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "cero": "0",
    "one": "1",
    "uno": "1",
    "won": "1",
    "two": "2",
    "dos": "2",
    "too": "2",
    "three": "3",
    "tres": "3",
    "four": "4",
    "cuatro": "4",
    "for": "4",
    "five": "5",
    "cinco": "5",
    "six": "6",
    "seis": "6",
    "seven": "7",
    "siete": "7",
    "eight": "8",
    "ocho": "8",
    "nine": "9",
    "nueve": "9",
}
# Homophones and a lone "o" count only inside a run that also holds other digits.
_HOMOPHONES = {"won", "too", "for", "o"}

_WORDS = "|".join(sorted(SPELLED, key=len, reverse=True))
_SEP = r"[\s\-.()/_*~•·|,+:]{0,4}"
# The common case: ten or more digits (any script), keycaps or look-alike letters with
# short separators between. A run starts on a digit, so the engine skips every other
# character at C speed, and short numbers (prices, times) never reach Python.
_RUN_DIGITS = re.compile(
    r"\d(?:[\s\-.()/_*~•·|,+:\ufe0f\u20e3]{0,4}[\dOoIl]){9,}(?:\ufe0f?\u20e3)?"
)
# The slow case, only when spelled digits may be present.
_PIECE = rf"(?:\d\ufe0f?\u20e3|[OoIl]*\d[\dOoIl]*|\b(?:{_WORDS})\b)"
_RUN_ANY = re.compile(rf"{_PIECE}(?:{_SEP}{_PIECE})+", re.IGNORECASE)
# Spelled digits other than the everyday "one"/"oh": two distinct ones in a text make
# a spelled phone possible, so the slow pass runs.
SPELLED_GATE = (
    "zero",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "cero",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
)
_PIECES = re.compile(
    r"(?P<keycap>\d\ufe0f?\u20e3)|(?P<digits>[OoIl]*\d[\dOoIl]*)|(?P<word>[A-Za-z]+)",
)
_PLAIN_GAP = re.compile(r"[\s\-.()]{0,3}")
# A plainly written number: ASCII digits in the standard groups, plain gaps between.
_PLAIN = re.compile(
    r"(?:1[\s\-.()]{0,3})?[0-9]{3}[\s\-.()]{0,3}[0-9]{3}[\s\-.()]{0,3}[0-9]{4}", re.ASCII
)
_NOT_DIGITS = str.maketrans("", "", " \t\n\r\f\v-.()")
_DIGIT_GROUPS = re.compile(r"[0-9]+")
_STANDARD_CHUNKS = {(3, 3, 4), (1, 3, 3, 4), (10,), (11,), (3, 7), (6, 4), (1, 10)}
_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
# Shortest text that can hold ten digits; shorter runs are skipped without a look.
_MIN_RUN = 10


@lru_cache(maxsize=4096)
def _digits_of(piece: str) -> tuple[str, bool]:
    normalized = unicodedata.normalize("NFKC", piece)
    swapped = normalized.translate(_LOOKALIKE)
    digits = "".join(str(unicodedata.digit(ch, 0)) for ch in swapped if ch.isdigit())
    return digits, normalized != piece or swapped != normalized or not piece.isascii()


def _pieces(run: re.Match[str], words: bool) -> list[tuple[int, int, str, bool]]:
    """(start, end, digits, hidden) for each piece of a run, offsets into the text."""
    out = []
    base = run.start()
    for m in _PIECES.finditer(run.group(0)):
        kind = m.lastgroup
        text = m.group(0)
        if kind == "keycap":
            digits, hidden = text[0], True
        elif kind == "digits":
            digits, hidden = _digits_of(text)
        else:
            word = text.lower()
            if not words or word not in SPELLED:
                continue
            digits, hidden = SPELLED[word], True
        out.append((base + m.start(), base + m.end(), digits, hidden))
    return out


@lru_cache(maxsize=65536)
def _e164(digits: str, region: str) -> str | None:
    """The E.164 form of a valid number, else None. Cached: libphonenumber's parse and
    validation cost more than everything else here, and ad corpora repeat numbers."""
    national = digits[1:] if len(digits) == 11 else digits
    if region == "US" and (national[0] in "01" or national[3] in "01"):
        return None  # NANP: area code and exchange never start with 0 or 1
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def may_spell_digits(low: str) -> bool:
    """Whether two different spelled digits occur: only then is the slow pass needed."""
    hits = 0
    for word in SPELLED_GATE:
        if word in low:
            hits += 1
            if hits == 2:
                return True
    return False


def _runs(text: str, spelled: bool) -> Iterator[re.Match[str]]:
    if spelled:
        yield from _RUN_ANY.finditer(text)
        return
    # Every run lies inside an outline (a digit and nine more run characters, found by a
    # compiled pass); most ads have none, so the exact pattern, which retries at every
    # digit, runs only on a few short stretches.
    for start, end in phone_outlines(text):
        yield from _RUN_DIGITS.finditer(text, start, end)


def find_phones(text: str, region: str = "US", spelled: bool | None = None) -> list[EntityFields]:
    """Phones in ``text``. ``spelled`` says whether spelled digits may occur (the
    pipeline knows it from its tokens); None means: look for them."""
    found: list[EntityFields] = []
    if spelled is None:
        spelled = may_spell_digits(text.lower())
    for run in _runs(text, spelled):
        if run.end() - run.start() < _MIN_RUN:
            continue
        plain = _plain_phone(text, run, region)
        if plain is not None:
            found.append(plain)
            continue
        pieces = _pieces(run, words=spelled)
        i = 0
        while i < len(pieces):
            entity, used = _phone_at(text, pieces, i, region)
            if entity is None:
                i += 1
                continue
            found.append(entity)
            i += used
    return found


def _plain_phone(text: str, run: re.Match[str], region: str) -> EntityFields | None:
    """The common case in one step: a run that is exactly one number written plainly
    ("214) 555-0126", "1 214 555 0126"). Gives what the piece-by-piece path gives for
    such a run, or None to let that path decide."""
    written = run.group(0)
    if _PLAIN.fullmatch(written) is None:
        return None
    if tuple(map(len, _DIGIT_GROUPS.findall(written))) not in _STANDARD_CHUNKS:
        return None  # "1214 555 0126": grouped oddly, which the slow path calls hidden
    start, end = run.start(), run.end()
    if start > 0 and text[start - 1] in "$€£#":
        return None
    e164 = _e164(written.translate(_NOT_DIGITS), region)
    if e164 is None:
        return None
    return _phone_entity(text, e164, start, end, hidden=False)


def _phone_at(
    text: str, pieces: list[tuple[int, int, str, bool]], i: int, region: str
) -> tuple[EntityFields | None, int]:
    """The phone that starts at piece ``i`` (trying 11 digits, then 10), and how many
    pieces it used."""
    total = 0
    ends: dict[int, int] = {}
    for j in range(i, len(pieces)):
        total += len(pieces[j][2])
        if total > 11:
            break
        ends[total] = j + 1
    for size in (11, 10):
        if size in ends:
            entity = _phone(text, pieces[i : ends[size]], region)
            if entity is not None:
                return entity, ends[size] - i
    return None, 0


def _phone(text: str, group: list[tuple[int, int, str, bool]], region: str) -> EntityFields | None:
    digits = "".join(p[2] for p in group)
    if len(digits) == 11 and digits[0] == "1":
        pass
    elif len(digits) != 10:
        return None
    start, end = group[0][0], group[-1][1]
    if start > 0 and text[start - 1] in "$€£#":  # a price or an id ("#2125550125")
        return None
    words = [text[p[0] : p[1]].lower() for p in group]
    if all(w in _HOMOPHONES for w in words if w.isalpha()) and all(w.isalpha() for w in words):
        return None
    e164 = _e164(digits, region)
    if e164 is None:
        return None
    chunks = tuple(len(p[2]) for p in group)
    plain_gaps = all(_PLAIN_GAP.fullmatch(text[a[1] : b[0]]) for a, b in pairwise(group))
    hidden = any(p[3] for p in group) or chunks not in _STANDARD_CHUNKS or not plain_gaps
    return _phone_entity(text, e164, start, end, hidden)


def _phone_entity(text: str, e164: str, start: int, end: int, hidden: bool) -> EntityFields:
    if start > 0 and text[start - 1] == "(":
        start -= 1  # "(213) 555-0101": the area code's bracket belongs to the number
    return {
        "type": "phone",
        "value": e164,
        "text": text[start:end],
        "start": start,
        "end": end,
        "obfuscated": hidden,
    }
