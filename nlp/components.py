"""spaCy pipeline components, registered as factories so a pipeline is built from config.

Results live on the Doc: ``doc._.lantern_entities``, ``doc._.lantern_places`` and
``doc._.lantern_indicators``. Every rule runs through one PhraseMatcher (C-speed);
order-sensitive rules are checked in Python only where their first step matched, which
keeps the pipeline near tokenizer speed (token-pattern Matchers are the slow path).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from spacy.attrs import LOWER
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from leads.models import Domain, Indicator
from leads.taxonomy import load_taxonomy
from nlp.contacts import LONG_PLATFORM_NAMES
from nlp.docdata import doc_text, get, put
from nlp.patterndocs import lower_hashes, pattern_maker
from nlp.patterns import PATTERNS_DIR, IndicatorRule, load_rules
from nlp.phones import SPELLED_GATE
from nlp.places import PlaceMatcher
from nlp.selectors import find_selectors

OBSCURED_CONTACT_WEIGHT = 25.0


class SelectorExtractor:
    """Runs the compiled selector passes over the text (cheaper than token patterns).

    One PhraseMatcher pass over the tokens first finds spelled digits and platform
    names, so the phone finder's slow pass and the handle finder's name search run only
    where they can find something.
    """

    def __init__(self, nlp: Language) -> None:
        make_doc = pattern_maker(nlp)
        self.keywords = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.keywords.add("SPELLED", [make_doc(w) for w in SPELLED_GATE])
        self.keywords.add("PLATFORM", [make_doc(w) for w in LONG_PLATFORM_NAMES])
        self.spelled_id = nlp.vocab.strings["SPELLED"]

    def __call__(self, doc: Doc) -> Doc:
        spelled = 0
        starts = []
        for match_id, start, _ in self.keywords(doc):
            if match_id == self.spelled_id:
                spelled += 1
            else:
                starts.append(doc[start].idx)
        found = find_selectors(doc_text(doc), spelled_digits=spelled >= 2, platform_starts=starts)
        put(doc, "lantern_entities", found)
        return doc


class IndicatorMatcher:
    """Phrase rules, and the anchor step of sequence rules, run in one PhraseMatcher; the
    other steps of a sequence are checked on the few tokens around its anchor only, so
    common words in them ("for", "$") cost nothing where the rule cannot fire.
    """

    def __init__(self, nlp: Language, patterns_dir: str) -> None:
        self.rules: dict[int, IndicatorRule] = {}  # match id -> rule
        self.before: dict[str, list[Step]] = {}  # steps before the anchor, nearest first
        self.after: dict[str, list[Step]] = {}  # steps after the anchor, in order
        # For each sequence: words one of which must occur in the text for it to match
        # (a cheap test that skips most anchors without looking at their neighbours).
        self.needs: dict[str, frozenset[int]] = {}
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.domains: dict[str, Domain] = {
            name: cat.domain for name, cat in load_taxonomy().items()
        }
        make_doc = pattern_maker(nlp)
        for rule in load_rules(Path(patterns_dir) if patterns_dir else PATTERNS_DIR):
            seq = rule.sequence
            first = rule.phrases if seq is None else seq[rule.anchor]
            self.matcher.add(rule.id, [make_doc(p) for p in first or []])
            self.rules[nlp.vocab.strings[rule.id]] = rule
            if seq is not None:
                self.before[rule.id] = [_step(make_doc, p) for p in reversed(seq[: rule.anchor])]
                self.after[rule.id] = [_step(make_doc, p) for p in seq[rule.anchor + 1 :]]
                others = self.before[rule.id] + self.after[rule.id]
                self.needs[rule.id] = min((firsts for firsts, _, _ in others), key=len)

    def __call__(self, doc: Doc) -> Doc:
        positives: list[tuple[IndicatorRule, int, int]] = []  # token spans
        negatives: list[tuple[IndicatorRule, int, int]] = []
        lowers: list[int] = []  # lower-case hashes, read once from C when first needed
        present: set[int] = set()
        rules, needs, before, after = self.rules, self.needs, self.before, self.after
        for match_id, start, end in self.matcher(doc):
            rule = rules[match_id]
            if rule.sequence is not None:
                if not lowers:
                    lowers = doc.to_array(LOWER).tolist()
                    present = set(lowers)
                rid = rule.id
                if needs[rid].isdisjoint(present):
                    continue
                end = _follow(lowers, end, after[rid], rule.max_gap)
                if end < 0:
                    continue
                start = _precede(lowers, start, before[rid], rule.max_gap)
                if start < 0:
                    continue
            (negatives if rule.negative else positives).append((rule, start, end))
        put(doc, "lantern_indicators", self._finish(doc, positives, negatives))
        return doc

    def _finish(
        self,
        doc: Doc,
        positives: list[tuple[IndicatorRule, int, int]],
        negatives: list[tuple[IndicatorRule, int, int]],
    ) -> list[Indicator]:
        banned: set[str] = set()
        local: list[tuple[list[str], int, int]] = []
        for rule, start, end in negatives:
            if rule.scope == "document":
                banned.update(rule.suppresses)
            else:
                local.append((rule.suppresses, start, end))
        best: dict[tuple[str, int, int], Indicator] = {}
        text = doc_text(doc)
        for rule, start, end in positives:
            category = rule.category or ""
            if category in banned or any(
                category in cats and start < ne and ns < end for cats, ns, ne in local
            ):
                continue
            first, last = doc[start], doc[end - 1]
            cstart, cend = first.idx, last.idx + len(last)
            key = (category, cstart, cend)
            if key in best and best[key].weight >= rule.weight:
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
                if e.obfuscated and e.type in ("phone", "email"):
                    key = ("obscured_contact", e.start, e.end)
                    best[key] = _indicator(
                        "obscured_contact",
                        "sex",
                        f"selector.{e.type}.obfuscated",
                        OBSCURED_CONTACT_WEIGHT,
                        e.text,
                        e.start,
                        e.end,
                    )
        return sorted(best.values(), key=lambda i: (i.start, i.end, i.category))


# A later step of a sequence: the hashes its phrases can start with, the phrases as
# tuples of lower-case string hashes, and their lengths (longest first).
Step = tuple[frozenset[int], frozenset[tuple[int, ...]], tuple[int, ...]]


def _step(make_doc: Callable[[str], Doc], phrases: list[str]) -> Step:
    tuples = frozenset(lower_hashes(make_doc, p) for p in phrases)
    firsts = frozenset(t[0] for t in tuples)
    return firsts, tuples, tuple(sorted({len(t) for t in tuples}, reverse=True))


def _precede(lowers: list[int], cursor: int, steps: list[Step], max_gap: int) -> int:
    """Where the sequence starts if each earlier step ends at most ``max_gap`` tokens
    before the next one, else -1 (steps given nearest first)."""
    return _walk(lowers, cursor, steps, max_gap, forward=False)


def _follow(lowers: list[int], cursor: int, steps: list[Step], max_gap: int) -> int:
    """Where the sequence ends if each step follows the last within ``max_gap`` tokens,
    else -1."""
    return _walk(lowers, cursor, steps, max_gap, forward=True)


def _walk(lowers: list[int], cursor: int, steps: list[Step], max_gap: int, forward: bool) -> int:
    n = len(lowers)
    for firsts, phrases, lengths in steps:
        found = -1
        if forward:
            edges = range(cursor, min(cursor + max_gap + 1, n))
        else:
            edges = range(cursor, max(cursor - max_gap - 1, 0), -1)
        for edge in edges:
            for length in lengths:
                begin, end = (edge, edge + length) if forward else (edge - length, edge)
                if (
                    begin >= 0
                    and end <= n
                    and lowers[begin] in firsts
                    and tuple(lowers[begin:end]) in phrases
                ):
                    found = end if forward else begin
                    break
            if found >= 0:
                break
        if found < 0:
            return -1
        cursor = found
    return cursor


def _indicator(
    category: str, domain: Domain, rule: str, weight: float, text: str, start: int, end: int
) -> Indicator:
    return Indicator(
        category=category, domain=domain, rule=rule, weight=weight, text=text, start=start, end=end
    )


@Language.factory("lantern_selectors")
def make_selector_extractor(nlp: Language, name: str) -> SelectorExtractor:
    return SelectorExtractor(nlp)


@Language.factory("lantern_places")
def make_place_matcher(nlp: Language, name: str) -> PlaceMatcher:
    return PlaceMatcher(nlp)


@Language.factory("lantern_indicators", default_config={"patterns_dir": ""})
def make_indicator_matcher(nlp: Language, name: str, patterns_dir: str) -> IndicatorMatcher:
    return IndicatorMatcher(nlp, patterns_dir)
