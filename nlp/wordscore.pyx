# cython: language_level=3, boundscheck=False, wraparound=False
"""The word model's sums in C (``nlp/wordmodel.py`` holds the model and its rules).

Per token, a hash map from the token's lower-case hash to its features (word row, stem
row, pair-word id) replaces a Python lookup, and each feature's weights are added into
the document's sums in place; a hash seen for the first time is resolved once by a
Python callback (normalizing a string is not worth writing twice). ``make install``
compiles this file (``setup.py``); ``nlp/wordscore.pyi`` gives its types.
"""

from cython.operator cimport dereference as deref
from libc.stdint cimport uint64_t
from libcpp.unordered_map cimport unordered_map
from libcpp.vector cimport vector
from spacy.tokens.doc cimport Doc


cdef struct Features:
    int word  # weight row of the word, 0: none
    int stem  # weight row of its stem, 0: none
    int pair  # id as a pair word, -1: in no pair


cdef class WordScorer:
    cdef unordered_map[uint64_t, Features] by_hash
    cdef unordered_map[uint64_t, int] pair_rows  # (first id << 32 | second id) -> row
    cdef const float[:, ::1] weights
    cdef const float[::1] bias
    cdef const float[::1] cutoff
    cdef object resolve
    cdef size_t limit
    cdef int categories  # the first columns are categories; the rest, domains

    def __init__(
        self, weights, bias, cutoff, int categories, dict pair_rows, resolve,
        size_t limit=500_000,
    ):
        self.categories = categories
        self.weights = weights
        self.bias = bias
        self.cutoff = cutoff
        self.resolve = resolve
        self.limit = limit
        for (first, second), row in pair_rows.items():
            self.pair_rows[(<uint64_t>first << 32) | <uint64_t>second] = row

    cdef Features _features(self, uint64_t lower):
        cdef Features f
        cdef unordered_map[uint64_t, Features].iterator found = self.by_hash.find(lower)
        if found != self.by_hash.end():
            return deref(found).second
        word, stem, pair = self.resolve(lower)
        f.word, f.stem, f.pair = word, stem, pair
        if self.by_hash.size() >= self.limit:  # a long stream's vocabulary keeps growing
            self.by_hash.clear()
        self.by_hash[lower] = f
        return f

    def score(self, Doc doc):
        """None when no category column reaches its cutoff; otherwise what was read:
        the columns that did (domain columns too), and the features to name triggers."""
        cdef int columns = self.bias.shape[0]
        cdef vector[float] sums = vector[float](columns)
        cdef Scored out = Scored.__new__(Scored)
        cdef Features f
        cdef int i, c, before = -1
        cdef uint64_t key
        cdef unordered_map[uint64_t, int].iterator pair
        cdef bint any_category = False
        for c in range(columns):
            sums[c] = self.bias[c]
        for i in range(doc.length):
            f = self._features(doc.c[i].lex.lower)
            if f.word:
                out.add(f.word, i, i + 1)
            if f.stem:
                out.add(f.stem, i, i + 1)
            if before >= 0 and f.pair >= 0:
                key = (<uint64_t>before << 32) | <uint64_t>f.pair
                pair = self.pair_rows.find(key)
                if pair != self.pair_rows.end():
                    out.add(deref(pair).second, i - 1, i + 1)
            before = f.pair
        cdef const float* row
        for i in range(<int>out.rows.size()):
            row = &self.weights[out.rows[i], 0]
            for c in range(columns):
                sums[c] += row[c]
        for c in range(self.categories):
            if sums[c] >= self.cutoff[c]:
                any_category = True
                break
        if not any_category:
            return None
        out.weights = self.weights
        out.passed = [c for c in range(columns) if sums[c] >= self.cutoff[c]]
        return out


cdef class Scored:
    """One document as the model read it: the columns that passed their cutoff and the
    document's features (weight row and token range), to name a column's triggers."""

    cdef vector[int] rows, starts, ends
    cdef const float[:, ::1] weights
    cdef public list passed

    cdef inline void add(self, int row, int start, int end) noexcept:
        self.rows.push_back(row)
        self.starts.push_back(start)
        self.ends.push_back(end)

    def triggers(self, int column, int count):
        """The ``count`` features with the largest positive weight in ``column``, as
        (first token, end token, weight), strongest first (earliest on a tie)."""
        cdef vector[int] best
        cdef int i, j, n = <int>self.rows.size()
        cdef float w
        for i in range(n):
            w = self.weights[self.rows[i], column]
            if w <= 0:
                continue
            j = 0
            while j < <int>best.size() and self.weights[self.rows[best[j]], column] >= w:
                j += 1
            if j < count:
                best.insert(best.begin() + j, i)
                if <int>best.size() > count:
                    best.pop_back()
        return [
            (self.starts[i], self.ends[i], self.weights[self.rows[i], column]) for i in best
        ]
