"""spaCy pipeline components, registered as factories so a pipeline is built from config.

Results live on the Doc: ``doc._.lantern_entities``, ``doc._.lantern_places`` and
``doc._.lantern_indicators``. Every rule runs through one phrase index (C-speed);
order-sensitive rules are checked only where their anchor matched, by the compiled walk
in ``nlp/matching.pyx``, which keeps the pipeline near tokenizer speed (token-pattern
Matchers are the slow path).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
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
from nlp.patterndocs import PhraseTokens, phrase_tokens
from nlp.patterns import PATTERNS_DIR, IndicatorRule, load_rules
from nlp.phones import SPELLED_GATE
from nlp.places import PlaceMatcher
from nlp.quantities import sex_ad_rate
from nlp.selectors import find_selectors
from nlp.wordmodel import (
    MODEL_PATH,
    MODEL_SPEAKS_BELOW,
    MODEL_WEIGHT,
    Reading,
    load_word_model,
)

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
        self.keywords = PhraseIndex(nlp.vocab, attr="LOWER")
        with phrase_tokens(nlp) as phrases:
            self.keywords.add("SPELLED", [phrases.lower(w) for w in SPELLED_GATE])
            self.keywords.add("PLATFORM", [phrases.lower(w) for w in LONG_PLATFORM_NAMES])
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

    def __init__(self, nlp: Language, patterns_dir: str, word_model: str = "") -> None:
        self.rules: dict[int, RuleEntry] = {}  # match id -> rule and its steps
        # The statistical second opinion (nlp/wordmodel.py); "none" turns it off.
        self.model = None if word_model == "none" else load_word_model(word_model or MODEL_PATH)
        self.read = self.model.reader(nlp.vocab.strings) if self.model is not None else None
        self.matcher = PhraseIndex(nlp.vocab, attr="LOWER")
        self.domains: dict[str, Domain] = {
            name: cat.domain for name, cat in load_taxonomy().items()
        }
        self.all_categories = list(self.domains)
        # Context words are looked up only for texts whose categories do not show their
        # domain already: most texts never need them, and they are common words.
        self.context_words = PhraseIndex(nlp.vocab, attr="LOWER")
        self.context_of: dict[int, str] = {}
        rules = load_rules(Path(patterns_dir) if patterns_dir else PATTERNS_DIR)
        with phrase_tokens(nlp) as phrases:
            for rule in rules:
                self._add(nlp, rule, phrases)

    def _add(self, nlp: Language, rule: IndicatorRule, phrases: PhraseTokens) -> None:
        if rule.context is not None:
            self.context_words.add(rule.id, [phrases.lower(p) for p in rule.phrases or []])
            self.context_of[nlp.vocab.strings[rule.id]] = rule.context
            return
        seq = rule.sequence
        first = rule.phrases if seq is None else seq[rule.anchor]
        self.matcher.add(rule.id, [phrases.lower(p) for p in first or []])
        match_id = nlp.vocab.strings[rule.id]
        if seq is None:
            self.rules[match_id] = (rule, None, (), 0)
        else:
            before = tuple(_step(phrases, p) for p in reversed(seq[: rule.anchor]))
            after = tuple(_step(phrases, p) for p in seq[rule.anchor + 1 :])
            self.rules[match_id] = (rule, before, after, rule.max_gap)

    def __call__(self, doc: Doc) -> Doc:
        hits = rule_spans(self.matcher, doc, self.rules)
        put(doc, "lantern_indicators", self._finish(doc, hits))
        return doc

    def _asked_or_supposed(self, text: str, bounds: list[int]) -> list[tuple[list[str], int]]:
        out: list[tuple[list[str], int]] = []
        starts = [0, *bounds]
        for n, a in enumerate(starts):
            piece = text[a : starts[n + 1] if n + 1 < len(starts) else len(text)]
            if piece.rstrip().endswith("?") or "¿" in piece:
                out.append((self.all_categories, n))
            elif _CONDITIONAL.match(piece.lstrip()):
                out.append(([c for c in self.all_categories if c not in _NOT_SUPPOSED], n))
        return out

    def _finish(self, doc: Doc, hits: list[Hit]) -> list[IndicatorFields]:
        banned: set[str] = set()
        local: list[tuple[list[str], int, int]] = []
        said: list[tuple[list[str], int]] = []  # clause negatives: (categories, char)
        positive: list[Hit] = []
        for hit in hits:
            rule = hit[0]
            if not rule.negative:
                positive.append(hit)
            else:
                cats = self.all_categories if "*" in rule.suppresses else rule.suppresses
                if rule.scope == "document":
                    banned.update(cats)
                elif rule.scope == "clause":
                    said.append((cats, hit[3]))
                else:
                    local.append((cats, hit[1], hit[2]))
        text = doc_text(doc)
        entities = get(doc, "lantern_entities") or []
        hidden = (
            []
            if "obscured_contact" in banned
            else [e for e in entities if e.get("obfuscated") and e["type"] in ("phone", "email")]
        )
        if not positive and not hidden and self.read is None:
            return []
        # Clauses are worked out only for texts with something to suppress in them, and
        # only once something is found that they could suppress.
        split: list[tuple[list[int], list[tuple[list[str], int]]]] = []

        def suppressed(category: str, start: int, end: int, cstart: int) -> bool:
            if category in banned or (
                local
                and any(category in cats and start < ne and ns < end for cats, ns, ne in local)
            ):
                return True
            if not split:
                bounds: list[int] = []
                clauses: list[tuple[list[str], int]] = []
                if said or "?" in text or _may_suppose(text):
                    bounds = clause_bounds(text)
                    clauses = [(cats, bisect_right(bounds, at)) for cats, at in said]
                    clauses += self._asked_or_supposed(text, bounds)
                split.append((bounds, clauses))
            bounds, clauses = split[0]
            if clauses:
                here = bisect_right(bounds, cstart)
                return any(category in cats and n == here for cats, n in clauses)
            return False

        best: dict[tuple[str, int, int], IndicatorFields] = {}
        for rule, start, end, cstart, cend in positive:
            category = rule.category or ""
            if suppressed(category, start, end, cstart):
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
        for e in hidden:
            best[("obscured_contact", e["start"], e["end"])] = _indicator(
                "obscured_contact",
                "sex",
                f"selector.{e['type']}.obfuscated",
                OBSCURED_CONTACT_WEIGHT,
                e["text"],
                e["start"],
                e["end"],
            )
        memo: list[set[str]] = []

        def contexts() -> set[str]:
            if not memo:
                found = {self.context_of[m[0]] for m in phrase_spans(self.context_words, doc)}
                if "sex" not in found and any(
                    sex_ad_rate(text, e) for e in entities if e["type"] == "price"
                ):
                    found.add("sex")
                memo.append(found)
            return memo[0]

        kept = in_context(best.values(), contexts) if best else []
        if self.read is not None and len({i["category"] for i in kept}) < MODEL_SPEAKS_BELOW:
            reading = self.read(doc)
            if reading is not None and reading.categories:
                kept += self._second_opinion(doc, text, reading, kept, contexts, suppressed)
        return sorted(kept, key=_INDICATOR_ORDER)

    def _second_opinion(
        self,
        doc: Doc,
        text: str,
        reading: Reading,
        kept: list[IndicatorFields],
        contexts: Callable[[], set[str]],
        suppressed: Callable[[str, int, int, int], bool],
    ) -> list[IndicatorFields]:
        """The word model's categories the rules missed, one indicator per triggering
        word or pair, in texts whose kind the rules, context words or the model itself
        (``reading.domains``, when it is sure) show. A hidden contact is a warning sign in any
        offer, so it shows no kind on its own."""
        have = {i["category"] for i in kept}
        shown = reading.domains | {i["domain"] for i in kept if i["category"] != "obscured_contact"}
        out: list[IndicatorFields] = []
        for category in reading.categories:
            domain = self.domains[category]
            if category in have or (domain not in shown and domain not in contexts()):
                continue
            assert self.model is not None  # a reading comes from the model
            for first, end, _ in self.model.triggers(reading, category):
                start_char = doc[first].idx
                end_char = doc[end - 1].idx + len(doc[end - 1])
                if suppressed(category, first, end, start_char):
                    continue
                out.append(
                    _indicator(
                        category,
                        domain,
                        f"model.{category}",
                        MODEL_WEIGHT,
                        text[start_char:end_char],
                        start_char,
                        end_char,
                    )
                )
        return out


# Cues common in lawful texts (an emoji, "24/7", "new in town", a spelled-out phone,
# "discreet and professional"):
# they never make a text's domain on their own, however many of them there are.
LOOK_ALIKE_CUES = frozenset(
    {"coded_emoji", "movement", "always_available", "obscured_contact", "trust_language"}
)
_CLAUSE_END = re.compile(r"[.!?;\n]+(?=\s|$)|[!?;\n]")


def clause_bounds(text: str) -> list[int]:
    """Where each clause ends (sentence punctuation, semicolons, line breaks): the
    scope of a negation or a piece of advice ("it is illegal to keep your passport")."""
    return [m.end() for m in _CLAUSE_END.finditer(text)]


def in_context(
    indicators: Iterable[IndicatorFields], contexts: Callable[[], set[str]]
) -> list[IndicatorFields]:
    """Indicators of the domains this text belongs to: a context word of the domain
    ("incall", "hiring", "trabajo"; ``contexts`` finds them), or two different categories
    of it besides the look-alike cues, or three of any kind. One cue in a fundraiser, a
    dating profile or a car ad is not an indicator."""
    found = list(indicators)
    kinds: dict[str, set[str]] = {}
    for ind in found:
        kinds.setdefault(ind["domain"], set()).add(ind["category"])
    shown = {
        d
        for d, cats in kinds.items()
        if len(cats) >= 3 or (len(cats) >= 2 and cats - LOOK_ALIKE_CUES)
    }
    if kinds.keys() - shown:
        shown |= contexts()  # words of the text's kind, read only when needed
    # A hidden contact is a sex-ad predictor (INDICATORS.md): it counts in a sex ad only,
    # as the labelers read it; a spelled phone in a job offer is not one.
    return [ind for ind in found if ind["domain"] in shown]


# A clause that asks ("¿te pueden descontar el hospedaje?") or supposes ("if your
# employer keeps your passport, call…") describes an indicator without asserting it.
# A threat is the exception: "if you leave, we call immigration" is the threat itself.
_CONDITIONAL = re.compile(r"(?:^|[.!?;:\n]\s*)(?:if|si)\s", re.IGNORECASE)
_NOT_SUPPOSED = frozenset({"threats"})
_IF_WORDS = ("if ", "If ", "IF ", "si ", "Si ", "SI ")


def _may_suppose(text: str) -> bool:
    # Substring checks first: the clause regex runs on few texts.
    return any(w in text for w in _IF_WORDS) and _CONDITIONAL.search(text) is not None


def _step(phrases: PhraseTokens, texts: list[str]) -> Step:
    return Step(frozenset(phrases.lower(p) for p in texts))


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


@Language.factory("lantern_indicators", default_config={"patterns_dir": "", "word_model": ""})
def make_indicator_matcher(
    nlp: Language, name: str, patterns_dir: str, word_model: str
) -> IndicatorMatcher:
    return IndicatorMatcher(nlp, patterns_dir, word_model)
