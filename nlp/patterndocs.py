"""Pattern docs made outside the pipeline's vocabulary.

Matchers compare string hashes, which do not depend on the vocabulary, so pattern
phrases can be tokenized by a copy of the pipeline's tokenizer with a vocabulary of its
own. That keeps thousands of pattern words out of the live vocabulary: a larger live
vocabulary measured about a third slower per token in the tokenizer.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language
from spacy.strings import hash_string  # type: ignore[attr-defined]
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.vocab import Vocab


def pattern_maker(nlp: Language) -> Callable[[str], Doc]:
    """Tokenizes like ``nlp`` (same rules), into a separate vocabulary."""
    vocab = Vocab(lex_attr_getters=nlp.vocab.lex_attr_getters)  # type: ignore[attr-defined]
    tokenizer = Tokenizer(vocab)
    rules = nlp.tokenizer.to_bytes(exclude=["vocab"])  # type: ignore[union-attr]
    tokenizer.from_bytes(rules, exclude=["vocab"])
    return tokenizer


def lower_hashes(make_doc: Callable[[str], Doc], phrase: str) -> tuple[int, ...]:
    """The lower-case string hashes of a phrase's tokens, as ``Doc.to_array(LOWER)`` gives."""
    return tuple(hash_string(t.lower_) for t in make_doc(phrase))
