"""Near-duplicate ad templates: MinHash signatures, LSH band keys, and the shared template
of a cluster with its variable slots (InfoShield-style), as pure functions.

Texts are normalized before shingling (lower case, every digit a 0, punctuation dropped)
so that ads differing only in names, ages, prices and phones share most shingles.
Bands are stored as keywords in Elasticsearch, so finding candidates for a new ad is one
terms query: the index grows batch by batch and nothing is recomputed.

Signatures are datasketch's MinHash (the "affine32" scheme of datasketch 2), computed
here with numpy over a whole batch at once: the same values, bit for bit (stored
signatures must keep matching new ones; a test holds the two side by side), without
importing datasketch, whose package pulls in SciPy (about a second per command).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from functools import cache
from hashlib import blake2b

import numpy as np

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


_SEED = 1  # datasketch's default: the permutations every stored signature was made with
_EMPTY = (1 << 32) - 1  # the value of a signature slot no shingle reached
_FMIX = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)  # MurmurHash3's 32-bit finalizer
# A numpy pass takes up to this many texts or shingles (a NUM_PERM x shingles array of
# at most ~16 MiB, whatever the texts' length); the shingle hash cache is cleared when
# it holds more than _HASH_CACHE, so memory stays flat over a million ads.
_SIGNATURE_BATCH = 256
_SIGNATURE_SHINGLES = 65_536
_HASH_CACHE = 500_000
_WORDS = struct.Struct(f"<{NUM_PERM}I")


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """``a`` (odd) and ``b`` of the affine maps h -> a*h + b mod 2^32, drawn as
    datasketch draws them."""
    gen = np.random.RandomState(_SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix(hv: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX
    hv = hv ^ (hv >> np.uint32(s1))
    hv = hv * np.uint32(m1)
    hv = hv ^ (hv >> np.uint32(s2))
    hv = hv * np.uint32(m2)
    return hv ^ (hv >> np.uint32(s3))


def signatures(texts: Iterable[str]) -> list[list[int]]:
    """The MinHash signature (``NUM_PERM`` 32-bit values) of each text's shingles."""
    a, b = _permutations()
    hashes: dict[bytes, int] = {}  # template families repeat shingles: hash each once
    out: list[list[int]] = []
    batch: list[list[bytes]] = []

    def flush() -> None:
        sizes = np.array([len(x) for x in batch])
        values = [hashes.get(s) or hashes.setdefault(s, _sha1_32(s)) for x in batch for s in x]
        hv = _fmix(np.array(values, dtype=np.uint32))
        # One row per permutation, one column per shingle; wrapping round 2^32 is the
        # modulo. Small batches keep the array in memory already mapped (fast).
        phv = np.multiply.outer(a, hv)
        phv += b[:, None]
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))[sizes > 0]
        rows = iter(np.minimum.reduceat(phv, starts, axis=1).T.tolist() if hv.size else [])
        out.extend(next(rows) if n else [_EMPTY] * NUM_PERM for n in sizes)
        batch.clear()

    pending = 0
    for text in texts:
        batch.append(shingles(text))
        pending += len(batch[-1])
        if len(batch) >= _SIGNATURE_BATCH or pending >= _SIGNATURE_SHINGLES:
            flush()
            pending = 0
            if len(hashes) > _HASH_CACHE:
                hashes.clear()
    if batch:
        flush()
    return out


def _sha1_32(data: bytes) -> int:
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


def band_keys(signature: Sequence[int]) -> list[str]:
    """One key per LSH band: ads sharing any key are candidates. A band's key hashes
    its ``ROWS`` values as 4-byte little-endian words (how every stored key was made)."""
    data = _WORDS.pack(*signature)
    step = 4 * ROWS
    return [f"{band}:{blake2b(data[band * step : (band + 1) * step], digest_size=8).hexdigest()}"
            for band in range(BANDS)]  # fmt: skip


def signed(texts: Iterable[str]) -> list[tuple[list[int], list[str]]]:
    """Each text's signature and band keys: the CPU-bound part of clustering, in one
    call a worker process can run over a chunk of texts."""
    return [(sig, band_keys(sig)) for sig in signatures(texts)]


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
