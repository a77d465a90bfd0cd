"""All regex-based selectors in one call: phones, emails, URLs, social and payment
handles, crypto addresses, ages and prices (places are token-based: ``nlp.places``).

The pipeline passes what its tokens already tell (spelled digits, platform names, the
longest word) so the text passes that look for them can be skipped; called alone, the
finders look for themselves.
"""

from __future__ import annotations

from leads.models import EntityFields
from nlp.contacts import find_emails, find_payment_handles, find_social_handles, find_urls
from nlp.crypto import find_crypto_addresses
from nlp.phones import find_phones, may_spell_digits
from nlp.quantities import find_ages, find_prices


def find_selectors(
    text: str,
    spelled_digits: bool | None = None,
    platform_starts: list[int] | None = None,
    longest_word: int | None = None,
) -> list[EntityFields]:
    low = text.lower()
    if spelled_digits is None:
        spelled_digits = may_spell_digits(low)
    return [
        *find_phones(text, spelled=spelled_digits),
        *find_emails(text, low),
        *find_urls(text, low),
        *find_payment_handles(text, low),
        *find_social_handles(text, low, platform_starts),
        *find_crypto_addresses(text, low, longest_word),
        *find_ages(text, low),
        *find_prices(text, low),
    ]
