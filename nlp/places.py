"""Places from the offline gazetteer (``data/gazetteer_us.tsv``): US cities of 15,000+
people and the states, with coordinates for Kibana maps. No network geocoding.

Matching runs on spaCy tokens with a PhraseMatcher (case-sensitive, so "mesa" the
word is not Mesa, AZ). A city name shared by several states resolves to the state
written next to it, else to the most populous one; names that are also everyday words
("Mobile", "Surprise") count only with their state beside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from leads.models import EntityFields
from nlp.docdata import doc_text, put
from nlp.matching import PhraseIndex, phrase_spans
from nlp.patterndocs import phrase_tokens

GAZETTEER = Path(__file__).parent / "data" / "gazetteer_us.tsv"
WORD_LIKE = Path(__file__).parent / "data" / "word_like_places.txt"
ALIASES = Path(__file__).parent / "data" / "place_aliases.tsv"


@dataclass(frozen=True)
class Place:
    kind: str
    name: str
    state: str
    lat: float
    lon: float
    population: int

    @cached_property
    def value(self) -> str:
        """What an analyst searches for: "TX", or "Houston, TX"."""
        return self.state if self.kind == "state" else f"{self.name}, {self.state}"


@dataclass(frozen=True)
class Gazetteer:
    cities: dict[str, list[Place]]  # name -> candidates, most populous first
    states: dict[str, Place]  # full name -> state
    codes: dict[str, Place]  # two-letter code -> state
    word_like: frozenset[str]
    aliases: dict[str, str]  # alias -> canonical city or state name


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    cities: dict[str, list[Place]] = {}
    states: dict[str, Place] = {}
    for line in GAZETTEER.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        kind, name, state, lat, lon, pop = line.split("\t")
        place = Place(kind, name, state, float(lat), float(lon), int(pop))
        if kind == "state":
            states[name] = place
        else:
            cities.setdefault(name, []).append(place)
    for candidates in cities.values():
        candidates.sort(key=lambda p: -p.population)
    word_like = frozenset(
        w.strip()
        for w in WORD_LIKE.read_text(encoding="utf-8").splitlines()
        if w.strip() and not w.startswith("#")
    )
    aliases = dict(
        line.split("\t")[:2]
        for line in ALIASES.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return Gazetteer(cities, states, {p.state: p for p in states.values()}, word_like, aliases)


_STATE_AFTER = re.compile(r"\s*,?\s*(?P<st>[A-Z]{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)\b")


def _longest_first(match: tuple[int, int, int, int, int]) -> tuple[int, int]:
    return match[1], -match[2]


class PlaceMatcher:
    def __init__(self, nlp: Language) -> None:
        self.gazetteer = load_gazetteer()
        self.matcher = PhraseIndex(nlp.vocab, attr="ORTH")
        names = [*self.gazetteer.cities, *self.gazetteer.states, *self.gazetteer.aliases]
        with phrase_tokens(nlp) as phrases:
            self.matcher.add("PLACE", [phrases.orth(n) for n in names])
            self.matcher.add("PLACE", [phrases.orth(n.upper()) for n in names if " " in n])

    def __call__(self, doc: Doc) -> Doc:
        found: list[EntityFields] = []
        text = doc_text(doc)
        taken_until = -1
        matches = phrase_spans(self.matcher, doc)
        matches.sort(key=_longest_first)
        for _, start, end, cstart, cend in matches:
            if start < taken_until:
                continue  # "Kansas City" wins over "Kansas"
            entity = self._resolve(text, text[cstart:cend], cstart, cend)
            if entity is not None:
                found.append(entity)
                taken_until = end
        put(doc, "lantern_places", found)
        return doc

    def _resolve(self, text: str, name: str, start: int, end: int) -> EntityFields | None:
        g = self.gazetteer
        key = name if name in g.cities or name in g.states else name.title()
        key = g.aliases.get(name, g.aliases.get(key, key))
        after = _STATE_AFTER.match(text, end)
        state = None
        if after:
            written = after["st"]
            state = g.codes.get(written) or g.states.get(written)
        if key in g.cities:
            candidates = g.cities[key]
            if state is not None:
                chosen = next((c for c in candidates if c.state == state.state), None)
                if chosen is not None:
                    assert after is not None
                    return _place_entity(chosen, text, start, after.end())
            if key in g.word_like:
                return None
            return _place_entity(candidates[0], text, start, end)
        if key in g.states and key not in g.word_like:
            return _place_entity(g.states[key], text, start, end)
        return None


def _place_entity(place: Place, text: str, start: int, end: int) -> EntityFields:
    return {
        "type": "location",
        "value": place.value,
        "text": text[start:end],
        "start": start,
        "end": end,
        "lat": place.lat,
        "lon": place.lon,
    }
