# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled passes over an ad's text that find where selectors can be, for the regexes.

A Python regex that starts on a digit retries at every digit, and ads are full of
digits (prices, times, ids): those retries were the largest share of the selector
passes. One C loop per question finds the few places worth a regex (phone outlines,
two-digit ages, platform marks); the regexes in ``nlp.phones``, ``nlp.quantities`` and
``nlp.contacts`` still decide, so the results are theirs. "$" prices and Cash App tags
are the exception: their patterns are simple enough to read here in full, and building
a match object for each of the many prices cost more than the rest of their passes.
``WordScan`` finds, in one pass, the words each finder checks for before it runs;
``long_runs`` the stretches without a space too long for the tokenizer.
``nlp/scan.pyi`` gives the types; ``make install`` compiles this file; the tests
compare each pass with the regex it stands for.
"""

from libc.string cimport memset
from cpython.unicode cimport (
    Py_UNICODE_ISALNUM,
    Py_UNICODE_ISDECIMAL,
    Py_UNICODE_ISSPACE,
    Py_UNICODE_TOLOWER,
    PyUnicode_DATA,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
    PyUnicode_READ,
)

# What each ASCII character is, looked up once per character; the Unicode functions
# (which cost a call each) run only for characters past ASCII.
cdef enum:
    DIGIT = 1
    SPACE = 2
    PHONE = 4  # separators, keycap marks and look-alike letters inside a phone run
    WORD = 8  # \w: letters, digits and "_"

cdef unsigned char _ASCII[128]


cdef void _fill_table():
    cdef int c
    for c in range(128):
        _ASCII[c] = 0
        if 48 <= c <= 57:
            _ASCII[c] |= DIGIT | WORD
        if chr(c).isspace():
            _ASCII[c] |= SPACE
        if chr(c) in "-.()/_*~|,+:OoIl":
            _ASCII[c] |= PHONE
        if chr(c).isalnum() or c == 95:
            _ASCII[c] |= WORD


_fill_table()


cdef inline bint _decimal(Py_UCS4 ch) noexcept:
    return _ASCII[ch] & DIGIT if ch < 128 else Py_UNICODE_ISDECIMAL(ch)


cdef inline bint _space(Py_UCS4 ch) noexcept:
    return _ASCII[ch] & SPACE if ch < 128 else Py_UNICODE_ISSPACE(ch)


cdef inline bint _word(Py_UCS4 ch) noexcept:
    return _ASCII[ch] & WORD if ch < 128 else (Py_UNICODE_ISALNUM(ch) or ch == u"_")


cdef inline bint _in_phone_run(Py_UCS4 ch) noexcept:
    # The characters of nlp.phones' runs: digits of any script, spaces, separators,
    # keycap marks and the letters that stand in for digits.
    if ch < 128:
        return (_ASCII[ch] & (DIGIT | SPACE | PHONE)) != 0
    return (
        Py_UNICODE_ISDECIMAL(ch)
        or Py_UNICODE_ISSPACE(ch)
        or ch == 0x2022  # •
        or ch == 0xB7  # ·
        or ch == 0xFE0F  # variation selector of keycap emoji
        or ch == 0x20E3  # combining keycap
    )


def phone_outlines(str text):
    """``(start, end)`` of every stretch a digit-run phone can lie in: from the first
    digit of a maximal run of phone characters to the run's end, when that is ten or
    more characters (what ``\\d[run characters]{9,}`` finds, without the retries)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, j
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    out = []
    while i < n:
        # The next digit starts an outline: the text since the last run's end (a
        # character outside every run) holds no digit, so it is its run's first.
        if not _decimal(PyUnicode_READ(kind, data, i)):
            i += 1
            continue
        j = i + 1
        while j < n and _in_phone_run(PyUnicode_READ(kind, data, j)):
            j += 1
        if j - i >= 10:
            out.append((i, j))
        i = j
    return out


def long_runs(str text, Py_ssize_t longest):
    """``(start, end)`` of every run of non-space characters longer than ``longest``:
    what the tokenizer must not see whole (its suffix search is quadratic in a token's
    length, so one 100,000-character "word" stalls a worker for minutes)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, start = 0
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    out = []
    if n <= longest:
        return out
    while i < n:
        if _space(PyUnicode_READ(kind, data, i)):
            if i - start > longest:
                out.append((start, i))
            start = i + 1
        i += 1
    if n - start > longest:
        out.append((start, n))
    return out


def marks(str text):
    """Where a ":" or "@" stands that does not follow a digit ("IG: luna", "tg@rosa",
    not "10:30"): the places a platform name glued to its mark can end."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_UCS4 ch
    out = []
    for i in range(n):
        ch = PyUnicode_READ(kind, data, i)
        if (ch == u":" or ch == u"@") and not (
            i and _decimal(PyUnicode_READ(kind, data, i - 1))
        ):
            out.append(i)
    return out


cdef inline bint _closing(Py_UCS4 ch) noexcept:
    # nlp.quantities' _CLOSES: punctuation that may end a bare age's phrase.
    return ch == u"." or ch == u"!" or ch == u"," or ch == u";" or ch == u")"


def age_numbers(str text):
    """Where a number of exactly two digits from 18 to 79 starts, if what follows it can
    make it a stated age: a unit's first letter ("y", "a") after optional spaces, a
    closing mark or a sex ("28F") right after, a symbol after spaces, or the end of the
    text. The regex
    in ``nlp.quantities`` decides; this only skips the numbers it would reject."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i, k
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_UCS4 ch, second, after
    out = []
    for i in range(n - 1):
        ch = PyUnicode_READ(kind, data, i)
        if ch < u"1" or ch > u"7":
            continue
        second = PyUnicode_READ(kind, data, i + 1)
        if not _decimal(second) or (ch == u"1" and u"0" <= second <= u"7"):
            continue  # not two digits, or under 18
        if i > 0 and _decimal(PyUnicode_READ(kind, data, i - 1)):
            continue
        k = i + 2
        if k < n and _decimal(PyUnicode_READ(kind, data, k)):
            continue  # three digits or more
        while k < n and _space(PyUnicode_READ(kind, data, k)):
            k += 1
        if k == n:
            out.append(i)
            continue
        after = PyUnicode_READ(kind, data, k)
        if (
            after == u"y"
            or after == u"Y"
            or after == u"a"
            or after == u"A"
            or (k == i + 2 and (_closing(after) or after == u"F" or after == u"M"))
            or (k > i + 2 and not _word(after) and after != u"$")
        ):
            out.append(i)
    return out


cdef Py_ssize_t _digits(int kind, void* data, Py_ssize_t at, Py_ssize_t n) noexcept:
    """The length of the run of decimal digits at ``at``."""
    cdef Py_ssize_t j = at
    while j < n and _decimal(PyUnicode_READ(kind, data, j)):
        j += 1
    return j - at


def dollar_prices(str text):
    """``(start, end, value)`` for each ``\\$\\s?(\\d{1,3}(?:,\\d{3})+|\\d+)(\\.\\d{1,2})?``
    match, left to right as ``finditer`` finds them; the value has no commas."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, p, d, q, c
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    out = []
    while i < n:
        if PyUnicode_READ(kind, data, i) != u"$":
            i += 1
            continue
        p = i + 1
        if p < n and _space(PyUnicode_READ(kind, data, p)):
            p += 1  # "\s?": a space is taken only if a digit follows it
            if p >= n or not _decimal(PyUnicode_READ(kind, data, p)):
                i += 1
                continue
        d = _digits(kind, data, p, n)
        if d == 0:
            i += 1
            continue
        q = p + d
        whole = text[p:q]
        # "\d{1,3}(?:,\d{3})+" wins over "\d+" when the first run has at most three
        # digits and a comma group follows: take every ",ddd" group.
        if d <= 3:
            while (
                q + 3 < n
                and PyUnicode_READ(kind, data, q) == u","
                and _digits(kind, data, q + 1, n) >= 3
            ):
                q += 4
            if q > p + d:
                whole = text[p:q].replace(",", "")
        if q + 1 < n and PyUnicode_READ(kind, data, q) == u"." and _decimal(
            PyUnicode_READ(kind, data, q + 1)
        ):
            c = 2 if q + 2 < n and _decimal(PyUnicode_READ(kind, data, q + 2)) else 1
            whole = whole + text[q : q + 1 + c]
            q += 1 + c
        out.append((i, q, whole))
        i = q
    return out


cdef inline bint _ascii_word(Py_UCS4 ch) noexcept:
    return ch < 128 and (_ASCII[ch] & WORD) != 0


def cashtags(str text, frozenset price_units):
    """``(start, end)`` of each Cash App tag: "$" (not after a word character or "$"),
    then 1–20 of ``[A-Za-z0-9_]`` with a letter among them, ending at a word boundary,
    as ``\\$(?<![\\w$]\\$)(?=[A-Za-z0-9_]{0,19}[A-Za-z])[A-Za-z0-9_]{1,20}\\b`` finds them;
    a tag that is digits and a lower-cased unit from ``price_units`` ("$150hh", "$80qv")
    is a price and left out."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, j, end, digits
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_UCS4 ch, before
    cdef bint letter
    out = []
    while i < n:
        if PyUnicode_READ(kind, data, i) != u"$":
            i += 1
            continue
        if i:
            before = PyUnicode_READ(kind, data, i - 1)
            if before == u"$" or _word(before):
                i += 1
                continue
        j = i + 1
        letter = False
        digits = 0
        while j < n and j - i <= 21:
            ch = PyUnicode_READ(kind, data, j)
            if not _ascii_word(ch):
                break
            if not (_ASCII[ch] & DIGIT) and ch != u"_":
                letter = True
            elif not letter and (_ASCII[ch] & DIGIT) and digits == j - i - 1:
                digits += 1  # the tag's leading digits
            j += 1
        end = j
        if (
            end == i + 1
            or end - i - 1 > 20
            or not letter
            or (end < n and _word(PyUnicode_READ(kind, data, end)))
        ):
            i += 1
            continue
        if digits and text[i + 1 + digits : end].lower() in price_units:
            i = end
            continue
        out.append((i, end))
        i = end
    return out


cdef extern from *:
    int __builtin_ctz(unsigned int x) nogil  # GCC and Clang: the lowest set bit's index


cdef enum:
    MAX_WORDS = 32
    MAX_WORD_CHARS = 512


cdef inline Py_UCS4 _lower(Py_UCS4 ch) noexcept:
    if ch < 128:
        return <Py_UCS4>(<unsigned int>ch + 32) if 65 <= ch <= 90 else ch  # A-Z
    return Py_UNICODE_TOLOWER(ch)


cdef inline unsigned int _pair(unsigned int first, unsigned int second) noexcept:
    return first * 128 + (second if second < 128 else 0)


cdef class WordScan:
    """Finds where a few lower-case words start in a text, ignoring case, in one pass.

    The selectors first ask whether their kind can occur at all ("venmo", "http",
    "dólar", " dot "): one search per word over a lower-cased copy of the text cost
    more than the finders themselves when the text held an emoji (a wide string).
    Characters are compared lower-cased one by one, which for these words finds what
    a search of ``text.lower()`` finds, at the positions in ``text``.
    """

    cdef readonly tuple words
    cdef Py_UCS4 chars[MAX_WORD_CHARS]
    cdef int offset[MAX_WORDS]
    cdef int length[MAX_WORDS]
    cdef unsigned int first[128]  # ASCII first character -> bitmask of the words
    # The words' first two characters as a bitset over (first, second) pairs, which
    # turns most positions away after two reads; a non-ASCII second character counts
    # as 0 (the set may let a few extra positions through, never miss one).
    cdef unsigned char pairs[2048]  # 128 * 128 bits

    def __init__(self, words):
        cdef int k, at = 0
        cdef unsigned int pair
        self.words = tuple(words)
        if len(self.words) > MAX_WORDS:
            raise ValueError(f"a WordScan holds at most {MAX_WORDS} words")
        memset(self.first, 0, sizeof(self.first))
        memset(self.pairs, 0, sizeof(self.pairs))
        for k, word in enumerate(self.words):
            if len(word) < 2 or word != word.lower() or ord(word[0]) >= 128:
                raise ValueError(
                    f"{word!r}: words are lower-case, two characters or more, and start"
                    " in ASCII"
                )
            if at + len(word) > MAX_WORD_CHARS:
                raise ValueError("the words of a WordScan are too long together")
            self.offset[k] = at
            self.length[k] = len(word)
            for ch in word:
                self.chars[at] = ord(ch)
                at += 1
            self.first[ord(word[0])] |= (<unsigned int>1) << k
            pair = _pair(ord(word[0]), ord(word[1]))
            self.pairs[pair >> 3] |= 1 << (pair & 7)

    def starts(self, str text):
        """``{word: [start, …]}`` for the words that occur in ``text``."""
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i, m
        cdef int kind = PyUnicode_KIND(text)
        cdef void* data = PyUnicode_DATA(text)
        cdef Py_UCS4 ch
        cdef unsigned int candidates, pair
        cdef int k, size
        found = {}
        for i in range(n - 1):  # every word has two characters or more
            ch = _lower(PyUnicode_READ(kind, data, i))
            if ch >= 128:
                continue
            pair = _pair(ch, _lower(PyUnicode_READ(kind, data, i + 1)))
            if not self.pairs[pair >> 3] & (1 << (pair & 7)):
                continue
            candidates = self.first[ch]
            while candidates:
                k = __builtin_ctz(candidates)  # the next word starting with ch
                candidates &= candidates - 1
                size = self.length[k]
                if i + size <= n:
                    m = 1
                    while m < size and _lower(
                        PyUnicode_READ(kind, data, i + m)
                    ) == self.chars[self.offset[k] + m]:
                        m += 1
                    if m == size:
                        found.setdefault(self.words[k], []).append(i)
        return found
