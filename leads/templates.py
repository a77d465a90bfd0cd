"""Near-duplicate ad templates: MinHash signatures, LSH band keys, and the shared template
of a cluster with its variable slots (InfoShield-style), as pure functions.

Texts are normalized before shingling (lower case, every digit a 0, punctuation dropped)
so that ads differing only in names, ages, prices and phones share most shingles.
Bands are stored as keywords in Elasticsearch, so finding candidates for a new ad is one
terms query: the index grows batch by batch and nothing is recomputed.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence

from datasketch import MinHash

NUM_PERM = 64
BANDS, ROWS = 21, 3  # candidate threshold ≈ (1/21)^(1/3) ≈ 0.36 Jaccard
SHINGLE = 2
SIMILAR = 0.4  # estimated Jaccard at which two ads share a template

_DIGIT = re.compile(r"\d")
_NON_WORD = re.compile(r"[^\w\s]+")


def normalize(text: str) -> list[str]:
    return _NON_WORD.sub(" ", _DIGIT.sub("0", text.lower())).split()


def shingles(text: str) -> list[bytes]:
    words = normalize(text)
    if len(words) < SHINGLE:
        return [" ".join(words).encode()] if words else []
    return [" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)]


def signatures(texts: Iterable[str]) -> list[MinHash]:
    return MinHash.bulk((shingles(t) for t in texts), num_perm=NUM_PERM)


def band_keys(signature: Sequence[int]) -> list[str]:
    """One key per LSH band: ads sharing any key are candidates."""
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(b"".join(int(v).to_bytes(4, "little") for v in rows),
                                 digest_size=8).hexdigest()  # fmt: skip
        keys.append(f"{band}:{digest}")
    return keys


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two stored signatures."""
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def template_of(texts: Sequence[str]) -> tuple[str, list[list[str]]]:
    """The words every ad of a cluster shares, in order, with ``▢`` where they differ,
    and for each ad the words that fill its slots (names, ages, prices, phones …)."""
    if not texts:
        return "", []
    words = [t.split() for t in texts]
    base = words[0]
    shared = [True] * len(base)
    for other in words[1:]:
        matcher = difflib.SequenceMatcher(a=base, b=other, autojunk=False)
        keep = [False] * len(base)
        for block in matcher.get_matching_blocks():
            for i in range(block.a, block.a + block.size):
                keep[i] = True
        shared = [s and k for s, k in zip(shared, keep, strict=True)]
    template: list[str] = []
    for word, is_shared in zip(base, shared, strict=True):
        if is_shared:
            template.append(word)
        elif not template or template[-1] != "▢":
            template.append("▢")
    common = [w for w, s in zip(base, shared, strict=True) if s]
    slots = []
    for other in words:
        matcher = difflib.SequenceMatcher(a=common, b=other, autojunk=False)
        filled, last = [], 0
        for block in matcher.get_matching_blocks():
            if block.b > last:
                filled.append(" ".join(other[last : block.b]))
            last = block.b + block.size
        slots.append(filled)
    return " ".join(template), slots
