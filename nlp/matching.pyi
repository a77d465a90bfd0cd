# Types for the compiled nlp/matching.pyx.
from typing import TypeVar

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

R = TypeVar("R")

class Step:
    phrases: frozenset[tuple[int, ...]]
    def __init__(self, phrases: frozenset[tuple[int, ...]]) -> None: ...

class PhraseIndex:
    matcher: PhraseMatcher
    def __init__(self, vocab: Vocab, attr: str = "LOWER") -> None: ...
    def add(self, key: str, phrases: list[Doc] | list[tuple[int, ...]]) -> None: ...

def longest_token(doc: Doc) -> int: ...
def phrase_spans(index: PhraseIndex, doc: Doc) -> list[tuple[int, int, int, int, int]]: ...
def rule_spans(
    index: PhraseIndex,
    doc: Doc,
    rules: dict[int, tuple[R, tuple[Step, ...] | None, tuple[Step, ...], int]],
) -> list[tuple[R, int, int, int, int]]: ...
