# Types for the compiled nlp/matching.pyx.
from typing import TypeVar

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

R = TypeVar("R")
# A later step of a sequence rule (nlp.components builds them): first-token hashes,
# phrases as tuples of lower-case hashes, and phrase lengths (longest first).
Step = tuple[frozenset[int], frozenset[tuple[int, ...]], tuple[int, ...]]

def longest_token(doc: Doc) -> int: ...
def phrase_spans(matcher: PhraseMatcher, doc: Doc) -> list[tuple[int, int, int, int, int]]: ...
def rule_spans(
    matcher: PhraseMatcher,
    doc: Doc,
    rules: dict[int, tuple[R, tuple[Step, ...] | None, tuple[Step, ...], int]],
) -> list[tuple[R, int, int, int, int]]: ...
