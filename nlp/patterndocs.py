"""Pattern phrases as the token ids the matchers compare, split once and remembered.

Matchers compare string hashes, which do not depend on the vocabulary, so pattern
phrases are tokenized by a copy of the pipeline's tokenizer with a vocabulary of its
own. That keeps thousands of pattern words out of the live vocabulary: a larger live
vocabulary measured about a third slower per token in the tokenizer. A phrase goes to
the matchers as the tuple of its tokens' ids (``PhraseMatcher.add`` takes those as well
as docs; they are what it keeps of a doc).

Splitting the ~9,000 phrases (rules, places, keywords) with a copy of the tokenizer was
most of the time it took to build the pipeline, paid by every process on start-up. How
a tokenizer splits a phrase depends only on the phrase and the tokenizer's rules, so the
splits are kept in the settings' cache folder (``<cache_dir>/nlp/``), in a file whose
name holds a hash of the spaCy version, the language and the tokenizer's rules (its
serialized form), and whose entries are keyed by the phrase itself: a changed pattern
file or phrase list cannot hit a stale entry, since a phrase not in the file is split
by the tokenizer and the file rewritten. A file that cannot be read or parsed, has
another key, or holds an entry that does not spell its phrase is not trusted (the
phrases are split again); files are written whole to a temporary name and renamed, so
a reader never sees half of one, and a cache folder that cannot be written only costs
the time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeGuard
from weakref import WeakKeyDictionary

from spacy import about
from spacy.attrs import LOWER
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

from leads.settings import get_settings

log = logging.getLogger(__name__)

# Raise when what an entry holds, or how it is read, changes.
CACHE_FORMAT = 1
TokenIds = tuple[int, ...]


def pattern_maker(nlp: Language) -> Callable[[str], Doc]:
    """Tokenizes like ``nlp`` (same rules), into a separate vocabulary."""
    vocab = Vocab(lex_attr_getters=nlp.vocab.lex_attr_getters)  # type: ignore[attr-defined]
    tokenizer = Tokenizer(vocab)
    rules = nlp.tokenizer.to_bytes(exclude=["vocab"])  # type: ignore[union-attr]
    tokenizer.from_bytes(rules, exclude=["vocab"])
    return tokenizer


class PhraseTokens:
    """Phrases split as ``nlp``'s tokenizer splits them, as the ids matchers compare:
    ``orth`` (exact spelling) or ``lower`` (the ``LOWER`` attribute), per token the
    value a pattern doc's token holds."""

    def __init__(self, nlp: Language, cache_dir: Path | None = None) -> None:
        self._nlp = nlp
        self._lower = nlp.vocab.lex_attr_getters.get(LOWER)  # type: ignore[attr-defined]
        rules = nlp.tokenizer.to_bytes(exclude=["vocab"])  # type: ignore[union-attr]
        versions = f"{CACHE_FORMAT}\0{about.__version__}\0{nlp.lang}\0".encode()
        self.key = hashlib.sha256(versions + rules).hexdigest()
        folder = cache_dir if cache_dir is not None else get_settings().cache_dir / "nlp"
        self.path = folder / f"phrase-tokens-{self.key[:16]}.json"
        self._known = _read(self.path, self.key)
        self._new = False  # a phrase was split here: the file is missing something
        self._make_doc: Callable[[str], Doc] | None = None

    def tokens(self, phrase: str) -> list[str]:
        """The texts of the phrase's tokens."""
        cached = self._known.get(phrase)
        if _spells(cached, phrase):
            return cached
        if self._make_doc is None:
            self._make_doc = pattern_maker(self._nlp)
        found = [t.text for t in self._make_doc(phrase)]
        self._known[phrase] = found
        self._new = True
        return found

    # A token's attribute holds its string's id in the string store: the string's hash,
    # except for spaCy's own symbols ("agent", "mark", "root"), which have small fixed ids.

    def orth(self, phrase: str) -> TokenIds:
        return tuple(get_string_id(t) for t in self.tokens(phrase))

    def lower(self, phrase: str) -> TokenIds:
        lower = self._lower
        if lower is None:  # a vocabulary without the attribute leaves it 0
            return tuple(0 for _ in self.tokens(phrase))
        return tuple(get_string_id(lower(t)) for t in self.tokens(phrase))

    def save(self) -> None:
        """Writes the file if a phrase had to be split; a failure only costs time."""
        if not self._new:
            return
        body = {"format": CACHE_FORMAT, "key": self.key, "spacy": about.__version__}
        text = json.dumps({**body, "tokens": self._known}, ensure_ascii=False)
        try:
            _write_atomically(self.path, text)
        except OSError as exc:
            log.debug("pattern token cache %s not written: %s", self.path, exc)
            return
        self._new = False


def _spells(tokens: Any, phrase: str) -> TypeGuard[list[str]]:
    """Whether a cached entry is a list of token texts that spells the phrase (up to
    spaces, which tokens do not hold): anything else is not trusted."""
    return (
        isinstance(tokens, list)
        and all(isinstance(t, str) and t for t in tokens)
        and "".join("".join(tokens).split()) == "".join(phrase.split())
    )


def _read(path: Path, key: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, not UTF-8 or not JSON
        return {}
    if not isinstance(data, dict) or data.get("key") != key:
        return {}
    tokens = data.get("tokens")
    return tokens if isinstance(tokens, dict) else {}


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # other users' processes may read it (mkstemp makes 0600)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


_SHARED: WeakKeyDictionary[Language, PhraseTokens] = WeakKeyDictionary()


@contextmanager
def shared_phrase_tokens(nlp: Language) -> Iterator[PhraseTokens]:
    """One :class:`PhraseTokens` for the components added to ``nlp`` inside the block,
    saved once when it ends."""
    phrases = _SHARED[nlp] = PhraseTokens(nlp)
    try:
        yield phrases
    finally:
        del _SHARED[nlp]
    phrases.save()


@contextmanager
def phrase_tokens(nlp: Language) -> Iterator[PhraseTokens]:
    """The phrase splits for a component being built: its pipeline's shared ones
    (:func:`shared_phrase_tokens`), else its own, saved when the component is built."""
    shared = _SHARED.get(nlp)
    if shared is not None:
        yield shared
        return
    own = PhraseTokens(nlp)
    yield own
    own.save()
