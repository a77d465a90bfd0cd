"""spaCy pipeline components, registered as factories so a pipeline is built from config.

Results live on the Doc: ``doc._.lantern_entities``, ``doc._.lantern_places`` and
``doc._.lantern_indicators``. Every rule runs through one PhraseMatcher (C-speed);
order-sensitive rules are checked in Python only where their first step matched, which
keeps the pipeline near tokenizer speed (token-pattern Matchers are the slow path).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from leads.models import Domain, Indicator
from leads.taxonomy import load_taxonomy
from nlp.contacts import LONG_PLATFORM_NAMES
from nlp.patterns import PATTERNS_DIR, IndicatorRule, load_rules
from nlp.phones import SPELLED_GATE
from nlp.places import PlaceMatcher
from nlp.selectors import find_selectors

for _name in ("lantern_entities", "lantern_places", "lantern_indicators"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

OBSCURED_CONTACT_WEIGHT = 25.0
TEXT_KEY = "lantern_text"


def doc_text(doc: Doc) -> str:
    """The input string (kept by the pipeline's tokenizer), rebuilt only if missing."""
    text = doc.user_data.get(TEXT_KEY)
    return text if isinstance(text, str) else doc.text


class SelectorExtractor:
    """Runs the compiled selector passes over the text (cheaper than token patterns).

    One PhraseMatcher pass over the tokens first finds spelled digits and platform
    names, so the phone finder's slow pass and the handle finder's name search run only
    where they can find something.
    """

    def __init__(self, nlp: Language) -> None:
        self.keywords = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.keywords.add("SPELLED", [nlp.make_doc(w) for w in SPELLED_GATE])
        self.keywords.add("PLATFORM", [nlp.make_doc(w) for w in LONG_PLATFORM_NAMES])
        self.spelled_id = nlp.vocab.strings["SPELLED"]

    def __call__(self, doc: Doc) -> Doc:
        spelled = 0
        starts = []
        for match_id, start, _ in self.keywords(doc):
            if match_id == self.spelled_id:
                spelled += 1
            else:
                starts.append(doc[start].idx)
        doc._.lantern_entities = find_selectors(
            doc_text(doc), spelled_digits=spelled >= 2, platform_starts=starts
        )
        return doc


class IndicatorMatcher:
    def __init__(self, nlp: Language, patterns_dir: str) -> None:
        self.rules: dict[str, IndicatorRule] = {}
        self.keys: dict[int, tuple[str, int]] = {}  # match id -> (rule id, sequence step)
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.domains: dict[str, Domain] = {
            name: cat.domain for name, cat in load_taxonomy().items()
        }
        for rule in load_rules(Path(patterns_dir) if patterns_dir else PATTERNS_DIR):
            self.rules[rule.id] = rule
            steps = rule.sequence if rule.sequence is not None else [rule.phrases or []]
            for step, phrases in enumerate(steps):
                key = f"{rule.id}#{step}"
                self.matcher.add(key, [nlp.make_doc(p) for p in phrases])
                self.keys[nlp.vocab.strings[key]] = (rule.id, step)

    def __call__(self, doc: Doc) -> Doc:
        positives: list[tuple[IndicatorRule, int, int]] = []  # token spans
        steps: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
        negatives: list[tuple[IndicatorRule, int, int]] = []
        for match_id, start, end in self.matcher(doc):
            rule_id, step = self.keys[match_id]
            rule = self.rules[rule_id]
            if rule.sequence is not None:
                steps[rule_id][step].append((start, end))
            elif rule.negative:
                negatives.append((rule, start, end))
            else:
                positives.append((rule, start, end))
        for rule_id, found in steps.items():
            rule = self.rules[rule_id]
            target = negatives if rule.negative else positives
            target.extend(
                (rule, s, e) for s, e in _chain(found, len(rule.sequence or []), rule.max_gap)
            )
        doc._.lantern_indicators = self._finish(doc, positives, negatives)
        return doc

    def _finish(
        self,
        doc: Doc,
        positives: list[tuple[IndicatorRule, int, int]],
        negatives: list[tuple[IndicatorRule, int, int]],
    ) -> list[Indicator]:
        banned = {
            c for rule, _, _ in negatives if rule.scope == "document" for c in rule.suppresses
        }
        local = [(set(rule.suppresses), s, e) for rule, s, e in negatives if rule.scope == "span"]
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
            for e in doc._.lantern_entities or []:
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


def _chain(
    found: dict[int, list[tuple[int, int]]], n_steps: int, max_gap: int
) -> list[tuple[int, int]]:
    """Spans where step 0, 1, … follow each other with at most ``max_gap`` tokens between."""
    if any(step not in found for step in range(n_steps)):
        return []
    out = []
    for start, end in found[0]:
        cursor = end
        for step in range(1, n_steps):
            nxt = [(s, e) for s, e in found[step] if cursor <= s <= cursor + max_gap]
            if not nxt:
                break
            cursor = min(nxt)[1]
        else:
            out.append((start, cursor))
    return out


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
