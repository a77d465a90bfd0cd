# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled passes over an ad's text that find where numbers can be, for the regexes.

A Python regex that starts on a digit retries at every digit, and ads are full of
digits (prices, times, ids): those retries were the largest share of the selector
passes. One C loop per question finds the few places worth a regex; the regexes in
``nlp.phones`` and ``nlp.quantities`` still decide, so the results are theirs.
``nlp/scan.pyi`` gives the types; ``make install`` compiles this file.
"""

from cpython.unicode cimport Py_UNICODE_ISDECIMAL, Py_UNICODE_ISSPACE


cdef inline bint _in_phone_run(Py_UCS4 ch):
    # The characters of nlp.phones' runs: digits of any script, spaces, separators,
    # keycap marks and the letters that stand in for digits.
    return (
        Py_UNICODE_ISDECIMAL(ch)
        or Py_UNICODE_ISSPACE(ch)
        or ch in u"-.()/_*~\u2022\u00b7|,+:\ufe0f\u20e3OoIl"
    )


def phone_outlines(str text):
    """``(start, end)`` of every stretch a digit-run phone can lie in: from the first
    digit of a maximal run of phone characters to the run's end, when that is ten or
    more characters (what ``\\d[run characters]{9,}`` finds, without the retries)."""
    cdef Py_ssize_t n = len(text), i = 0, j, first
    out = []
    while i < n:
        if not _in_phone_run(text[i]):
            i += 1
            continue
        first = -1
        j = i
        while j < n and _in_phone_run(text[j]):
            if first < 0 and Py_UNICODE_ISDECIMAL(text[j]):
                first = j
            j += 1
        if first >= 0 and j - first >= 10:
            out.append((first, j))
        i = j
    return out


def two_digit_numbers(str text):
    """Where a number of exactly two digits starts whose first digit is 1–7 (the only
    numbers that can be a stated age from 18 to 79)."""
    cdef Py_ssize_t n = len(text), i
    cdef Py_UCS4 ch
    out = []
    for i in range(n - 1):
        ch = text[i]
        if (
            u"1" <= ch <= u"7"
            and Py_UNICODE_ISDECIMAL(text[i + 1])
            and (i == 0 or not Py_UNICODE_ISDECIMAL(text[i - 1]))
            and (i + 2 == n or not Py_UNICODE_ISDECIMAL(text[i + 2]))
        ):
            out.append(i)
    return out
