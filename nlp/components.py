"""spaCy pipeline components, registered as factories so a pipeline is built from config.

Results live on the Doc: ``doc._.lantern_entities``, ``doc._.lantern_places`` and
``doc._.lantern_indicators``. Every rule runs through one phrase index (C-speed);
order-sensitive rules are checked only where their anchor matched, by the compiled walk
in ``nlp/matching.pyx``, which keeps the pipeline near tokenizer speed (token-pattern
Matchers are the slow path).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.tokens import Doc

from leads.models import Domain, IndicatorFields
from leads.taxonomy import load_taxonomy
from nlp.contacts import LONG_PLATFORM_NAMES
from nlp.docdata import doc_text, get, put
from nlp.matching import PhraseIndex, Step, longest_token, phrase_spans, rule_spans
from nlp.patterndocs import lower_hashes, pattern_maker
from nlp.patterns import PATTERNS_DIR, IndicatorRule, load_rules
from nlp.phones import SPELLED_GATE
from nlp.places import PlaceMatcher
from nlp.selectors import find_selectors

OBSCURED_CONTACT_WEIGHT = 25.0
# The most tokens between two spelled digits of one phone: eleven digit pieces and the
# separators between them.
SPELLED_PHONE_TOKENS = 24


class SelectorExtractor:
    """Runs the compiled selector passes over the text (cheaper than token patterns).

    One phrase pass over the tokens first finds spelled digits and platform
    names, so the phone finder's slow pass and the handle finder's name search run only
    where they can find something.
    """

    def __init__(self, nlp: Language) -> None:
        make_doc = pattern_maker(nlp)
        self.keywords = PhraseIndex(nlp.vocab, attr="LOWER")
        self.keywords.add("SPELLED", [make_doc(w) for w in SPELLED_GATE])
        self.keywords.add("PLATFORM", [make_doc(w) for w in LONG_PLATFORM_NAMES])
        self.spelled_id = nlp.vocab.strings["SPELLED"]

    def __call__(self, doc: Doc) -> Doc:
        spelled: list[int] = []  # token positions of spelled digits
        starts = []
        for match_id, start, _, start_char, _ in phrase_spans(self.keywords, doc):
            if match_id == self.spelled_id:
                spelled.append(start)
            else:
                starts.append(start_char)
        # A spelled phone holds two spelled digits close together ("five five five",
        # "two 1 three"); two far apart ("two girls … five stars") cannot be one.
        near = any(b - a <= SPELLED_PHONE_TOKENS for a, b in pairwise(spelled))
        found = find_selectors(
            doc_text(doc),
            spelled_digits=near,
            platform_starts=starts,
            longest_word=longest_token(doc),
        )
        put(doc, "lantern_entities", found)
        return doc


if TYPE_CHECKING:
    # What the matching walk needs per match id: the rule, the steps before its anchor
    # (nearest first; None for a phrase rule), the steps after, and the largest gap.
    RuleEntry = tuple[IndicatorRule, tuple[Step, ...] | None, tuple[Step, ...], int]
    # A rule's hit: the rule, its token span and its character span.
    Hit = tuple[IndicatorRule, int, int, int, int]


class IndicatorMatcher:
    """Phrase rules, and the anchor step of sequence rules, run in one phrase index; the
    other steps of a sequence are checked on the few tokens around its anchor only, so
    common words in them ("for", "$") cost nothing where the rule cannot fire.
    """

    def __init__(self, nlp: Language, patterns_dir: str) -> None:
        self.rules: dict[int, RuleEntry] = {}  # match id -> rule and its steps
        self.matcher = PhraseIndex(nlp.vocab, attr="LOWER")
        self.domains: dict[str, Domain] = {
            name: cat.domain for name, cat in load_taxonomy().items()
        }
        make_doc = pattern_maker(nlp)
        for rule in load_rules(Path(patterns_dir) if patterns_dir else PATTERNS_DIR):
            seq = rule.sequence
            first = rule.phrases if seq is None else seq[rule.anchor]
            self.matcher.add(rule.id, [make_doc(p) for p in first or []])
            match_id = nlp.vocab.strings[rule.id]
            if seq is None:
                self.rules[match_id] = (rule, None, (), 0)
            else:
                before = tuple(_step(make_doc, p) for p in reversed(seq[: rule.anchor]))
                after = tuple(_step(make_doc, p) for p in seq[rule.anchor + 1 :])
                self.rules[match_id] = (rule, before, after, rule.max_gap)

    def __call__(self, doc: Doc) -> Doc:
        hits = rule_spans(self.matcher, doc, self.rules)
        put(doc, "lantern_indicators", self._finish(doc, hits))
        return doc

    def _finish(self, doc: Doc, hits: list[Hit]) -> list[IndicatorFields]:
        banned: set[str] = set()
        local: list[tuple[list[str], int, int]] = []
        for rule, start, end, _, _ in hits:
            if rule.negative:
                if rule.scope == "document":
                    banned.update(rule.suppresses)
                else:
                    local.append((rule.suppresses, start, end))
        best: dict[tuple[str, int, int], IndicatorFields] = {}
        text = doc_text(doc)
        for rule, start, end, cstart, cend in hits:
            if rule.negative:
                continue
            category = rule.category or ""
            if category in banned or (
                local
                and any(category in cats and start < ne and ns < end for cats, ns, ne in local)
            ):
                continue
            key = (category, cstart, cend)
            if key in best and best[key]["weight"] >= rule.weight:
                continue
            best[key] = _indicator(
                category,
                self.domains[category],
                rule.id,
                rule.weight,
                text[cstart:cend],
                cstart,
                cend,
            )
        if "obscured_contact" not in banned:
            for e in get(doc, "lantern_entities") or []:
                if e.get("obfuscated") and e["type"] in ("phone", "email"):
                    key = ("obscured_contact", e["start"], e["end"])
                    best[key] = _indicator(
                        "obscured_contact",
                        "sex",
                        f"selector.{e['type']}.obfuscated",
                        OBSCURED_CONTACT_WEIGHT,
                        e["text"],
                        e["start"],
                        e["end"],
                    )
        return sorted(best.values(), key=_INDICATOR_ORDER)


def _step(make_doc: Callable[[str], Doc], phrases: list[str]) -> Step:
    return Step(frozenset(lower_hashes(make_doc, p) for p in phrases))


def _indicator(
    category: str, domain: Domain, rule: str, weight: float, text: str, start: int, end: int
) -> IndicatorFields:
    return {
        "category": category,
        "domain": domain,
        "rule": rule,
        "weight": weight,
        "text": text,
        "start": start,
        "end": end,
    }


_INDICATOR_ORDER = itemgetter("start", "end", "category")


@Language.factory("lantern_selectors")
def make_selector_extractor(nlp: Language, name: str) -> SelectorExtractor:
    return SelectorExtractor(nlp)


@Language.factory("lantern_places")
def make_place_matcher(nlp: Language, name: str) -> PlaceMatcher:
    return PlaceMatcher(nlp)


@Language.factory("lantern_indicators", default_config={"patterns_dir": ""})
def make_indicator_matcher(nlp: Language, name: str, patterns_dir: str) -> IndicatorMatcher:
    return IndicatorMatcher(nlp, patterns_dir)
