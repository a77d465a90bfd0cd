"""All regex-based selectors in one call: phones, emails, URLs, social and payment
handles, crypto addresses, ages and prices (places are token-based: ``nlp.places``).

The pipeline passes what its tokens already tell (spelled digits, platform names, the
longest word) so the text passes that look for them can be skipped, and one compiled
pass finds the words every finder checks for first; called alone, the finders look for
themselves.
"""

from __future__ import annotations

from leads.models import EntityFields
from nlp.contacts import (
    EMAIL_WORDS,
    PAYMENT_WORDS,
    URL_WORDS,
    find_emails,
    find_payment_handles,
    find_social_handles,
    find_urls,
)
from nlp.crypto import CRYPTO_WORDS, find_crypto_addresses
from nlp.phones import find_phones, may_spell_digits
from nlp.quantities import AGE_WORDS, PRICE_WORDS, RATE_WORDS, find_ages, find_prices
from nlp.scan import WordScan

# Every finder's words, found in one pass per text.
_WORDS = WordScan(
    EMAIL_WORDS + URL_WORDS + PAYMENT_WORDS + CRYPTO_WORDS + AGE_WORDS + PRICE_WORDS + RATE_WORDS
)


def find_selectors(
    text: str,
    spelled_digits: bool | None = None,
    platform_starts: list[int] | None = None,
    longest_word: int | None = None,
) -> list[EntityFields]:
    words = _WORDS.starts(text)
    if spelled_digits is None:
        spelled_digits = may_spell_digits(text.lower())
    return [
        *find_phones(text, spelled=spelled_digits),
        *find_emails(text, words),
        *find_urls(text, words),
        *find_payment_handles(text, words),
        *find_social_handles(text, platform_starts),
        *find_crypto_addresses(text, words, longest_word),
        *find_ages(text, words),
        *find_prices(text, words),
    ]
