# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled helpers that read a Doc's tokens directly (spaCy's own C structs).

Phrases live in spaCy PhraseMatchers, whose tries this module walks itself
(``PhraseIndex``); what follows each hit (checking the other steps of a sequence rule
around it, turning token positions into character offsets) was the Python hot spot:
reading token attributes from Python builds an object per token. Here the same walks
read ``doc.c[i]`` in place, and small bitsets of the hashes that can start a phrase let
most tokens be passed over without a lookup. ``make install`` compiles this file
(``setup.py``); ``nlp/matching.pyi`` gives its types.
"""

from libc.string cimport memset
from libcpp.vector cimport vector
from preshed.maps cimport MapStruct, key_t, map_get, map_iter
from spacy.matcher.phrasematcher cimport PhraseMatcher
from spacy.structs cimport SpanC, TokenC
from spacy.tokens.doc cimport Doc


cdef inline int _end_char(Doc doc, int end):
    """The character offset just past token ``end - 1``."""
    return doc.c[end - 1].idx + doc.c[end - 1].lex.length


cdef tuple _lowers(Doc doc, int begin, int end):
    return tuple([doc.c[i].lex.lower for i in range(begin, end)])


cdef enum:
    STEP_BITS = 4096
    STEP_BYTES = 512  # STEP_BITS / 8


cdef class Step:
    """A step of a sequence rule other than its anchor: phrases, as tuples of
    lower-case hashes, one of which must follow (or precede) the step before.

    A small bitset of the phrases' first tokens answers "can a phrase start here?" in C
    for most tokens, before a Python tuple is built to look the phrase up.
    """

    cdef readonly frozenset phrases
    cdef vector[int] lengths  # longest first: the longest phrase wins
    cdef unsigned char firsts[STEP_BYTES]

    def __init__(self, frozenset phrases):
        cdef key_t first
        self.phrases = phrases
        for length in sorted({len(p) for p in phrases}, reverse=True):
            self.lengths.push_back(length)
        memset(self.firsts, 0, sizeof(self.firsts))
        for phrase in phrases:
            first = phrase[0] % STEP_BITS
            self.firsts[first >> 3] |= 1 << (first & 7)

    cdef inline bint may_start(self, key_t key) noexcept:
        key = key % STEP_BITS
        return self.firsts[key >> 3] & (1 << (key & 7))


cdef int _walk(Doc doc, int cursor, tuple steps, int max_gap, bint forward):
    """Where a sequence ends (forward) or starts (backward) if each step follows the
    last within ``max_gap`` tokens, else -1."""
    cdef int n = doc.length
    cdef int found, edge, stop, begin, end, length
    cdef Step step
    for step in steps:
        found = -1
        if forward:
            stop = min(cursor + max_gap + 1, n)
        else:
            stop = max(cursor - max_gap - 1, 0)
        edge = cursor
        while (edge < stop) if forward else (edge > stop):
            for length in step.lengths:
                if forward:
                    begin, end = edge, edge + length
                else:
                    begin, end = edge - length, edge
                if (
                    begin >= 0
                    and end <= n
                    and step.may_start(doc.c[begin].lex.lower)
                    and _lowers(doc, begin, end) in step.phrases
                ):
                    found = end if forward else begin
                    break
            if found >= 0:
                break
            edge = edge + 1 if forward else edge - 1
        if found < 0:
            return -1
        cursor = found
    return cursor


def longest_token(Doc doc):
    """The length in characters of the longest token (0 for an empty doc)."""
    cdef int i, longest = 0
    for i in range(doc.length):
        if doc.c[i].lex.length > longest:
            longest = doc.c[i].lex.length
    return longest


cdef inline key_t _key(const TokenC* token, bint lower) noexcept nogil:
    return token.lex.lower if lower else token.lex.orth


# Bits of the phrase-start bitset: a token whose key's low bits are not set cannot
# start a phrase, which spares the trie lookup (a hash probe and a likely cache miss)
# for most tokens.
cdef enum:
    START_BITS = 65536
    START_BYTES = 8192  # START_BITS / 8


cdef class PhraseIndex:
    """Phrases to find in docs, by lower-case form or exact spelling: a spaCy
    PhraseMatcher holds the trie, and this module walks it (``phrase_spans``,
    ``rule_spans``).

    The matcher's own search reads each token through a helper that takes the GIL
    state on every call, which measured as most of its time. The walk here is the same
    over the same trie, so the matches are the same (``matcher(doc)`` still works, and
    the tests compare the two); it also skips tokens that start no phrase, so phrases
    must be added through ``add``, which keeps the bitset of phrase starts.
    """

    cdef readonly PhraseMatcher matcher
    cdef bint lower
    cdef unsigned char starts[START_BYTES]

    def __init__(self, vocab, attr="LOWER"):
        if attr not in ("LOWER", "ORTH"):
            raise ValueError(f"a PhraseIndex matches on LOWER or ORTH, not {attr!r}")
        self.matcher = PhraseMatcher(vocab, attr=attr)
        self.lower = attr == "LOWER"
        memset(self.starts, 0, sizeof(self.starts))

    def add(self, str key, list phrases):
        """Adds phrases under ``key``, as ``PhraseMatcher.add`` does: pattern docs, or
        tuples of their tokens' hashes of the matched attribute (what the matcher keeps
        of a doc; ``nlp.patterndocs`` makes them)."""
        cdef Doc doc
        cdef key_t first
        self.matcher.add(key, phrases)
        for phrase in phrases:
            if isinstance(phrase, Doc):
                doc = phrase
                if not doc.length:
                    continue
                first = _key(&doc.c[0], self.lower)
            elif len(phrase):
                first = phrase[0]
            else:
                continue
            first = first % START_BITS
            self.starts[first >> 3] |= 1 << (first & 7)

    cdef inline bint _may_start(self, key_t key) noexcept nogil:
        key = key % START_BITS
        return self.starts[key >> 3] & (1 << (key & 7))

    cdef vector[SpanC] find(self, Doc doc):
        cdef vector[SpanC] found
        cdef int n = doc.length, start, end, i
        cdef const MapStruct* node
        cdef void* terminal
        cdef void* value
        cdef key_t key, label
        cdef SpanC span
        found.reserve(32)
        for start in range(n):
            key = _key(&doc.c[start], self.lower)
            if not self._may_start(key):
                continue
            node = <const MapStruct*>map_get(self.matcher.c_map, key)
            end = start + 1
            while node != NULL:
                # A phrase ends here if the node has the terminal entry: one label per
                # pattern key that ends at this node.
                terminal = map_get(node, self.matcher._terminal_hash)
                if terminal != NULL:
                    i = 0
                    while map_iter(<const MapStruct*>terminal, &i, &label, &value):
                        span.label = label
                        span.start = start
                        span.end = end
                        found.push_back(span)
                if end == n:
                    break
                node = <const MapStruct*>map_get(node, _key(&doc.c[end], self.lower))
                end += 1
        return found


def phrase_spans(PhraseIndex index, Doc doc):
    """``(match_id, start, end, start_char, end_char)`` for each match, in the order
    ``index.matcher(doc)`` gives them."""
    cdef vector[SpanC] found = index.find(doc)
    cdef SpanC m
    return [
        (m.label, m.start, m.end, doc.c[m.start].idx, _end_char(doc, m.end)) for m in found
    ]


def rule_spans(PhraseIndex index, Doc doc, dict rules):
    """The spans where rules match, as ``(rule, start, end, start_char, end_char)``.

    ``rules`` maps a match id to ``(rule, steps_before, steps_after, max_gap)``; for a
    phrase rule ``steps_before`` is None and the hit is the span. For a sequence rule the
    hit is its anchor, and the steps before (nearest first) and after are walked.
    """
    cdef vector[SpanC] found = index.find(doc)
    cdef SpanC m
    cdef int start, end
    cdef int max_gap
    out = []
    for m in found:
        start, end = m.start, m.end
        rule, before, after, max_gap = rules[m.label]
        if before is not None:
            end = _walk(doc, end, after, max_gap, True)
            if end < 0:
                continue
            start = _walk(doc, start, before, max_gap, False)
            if start < 0:
                continue
        out.append((rule, start, end, doc.c[start].idx, _end_char(doc, end)))
    return out
