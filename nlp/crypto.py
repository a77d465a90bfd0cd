"""Cryptocurrency addresses, extracted only when their checksum is valid.

Bitcoin legacy and P2SH addresses carry a Base58Check checksum, SegWit addresses a
bech32 (v0) or bech32m (v1+) checksum (BIP-173, BIP-350); Ethereum addresses carry an
EIP-55 checksum in their letter case when written in mixed case. One wrong character
fails the checksum, and then nothing is extracted.
"""

from __future__ import annotations

import hashlib
import re

from leads.models import EntityFields
from nlp.scan import WordScan

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {c: i for i, c in enumerate(_BASE58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3

# Shorter than any Base58 address (26+), with room for a tokenizer that splits one.
MIN_BASE58_WORD = 20

# Three passes, each starting on a rare character, beat one alternation at every position.
_BTC = re.compile(r"[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![0-9A-Za-z])")
_SEGWIT = re.compile(
    r"(?<![0-9A-Za-z])(?:bc|BC|tb|TB)1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}(?![0-9A-Za-z])"
)
_ETH = re.compile(r"(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])")


def base58check_valid(address: str) -> bool:
    number = 0
    for ch in address:
        if ch not in _BASE58_INDEX:
            return False
        number = number * 58 + _BASE58_INDEX[ch]
    leading = len(address) - len(address.lstrip("1"))
    raw = b"\x00" * leading + number.to_bytes((number.bit_length() + 7) // 8, "big")
    if len(raw) != 25 or raw[0] not in (0x00, 0x05):
        return False
    payload, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == checksum


def _polymod(values: list[int]) -> int:
    generators = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(generators):
            if (top >> i) & 1:
                checksum ^= gen
    return checksum


def segwit_valid(address: str) -> bool:
    if address.lower() != address and address.upper() != address:
        return False  # mixed case is invalid in bech32
    address = address.lower()
    hrp, _, data_part = address.rpartition("1")
    if hrp not in ("bc", "tb") or len(data_part) < 7:
        return False
    data = [_BECH32.index(c) for c in data_part]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    const = _polymod(expanded + data)
    version = data[0]
    if version == 0:
        return const == _BECH32_CONST and len(data_part) in (39, 59)
    return const == _BECH32M_CONST and 1 <= version <= 16


def eip55(address: str) -> str:
    """The EIP-55 checksum form of an Ethereum address: the case people read, paste and
    look up. Every way of writing one address gives this one value, so links and
    searches stay case-insensitive."""
    # Imported here: most texts hold no address, and it is a tenth of a second of start-up.
    from Crypto.Hash import keccak

    body = address[2:].lower()
    digest = keccak.new(digest_bits=256, data=body.encode()).hexdigest()
    return "0x" + "".join(
        ch.upper() if int(digest[i], 16) >= 8 else ch for i, ch in enumerate(body)
    )


def eip55_valid(address: str) -> bool:
    body = address[2:]
    if body.lower() == body or body.upper() == body:
        return True  # single case carries no checksum: accepted as written
    return eip55(address)[2:] == body


CRYPTO_WORDS = ("bc1", "tb1", "0x")  # SegWit and Ethereum addresses start with one
_OWN_WORDS = WordScan(CRYPTO_WORDS)


def find_crypto_addresses(
    text: str, words: dict[str, list[int]] | None = None, longest_word: int | None = None
) -> list[EntityFields]:
    """``words``: where ``CRYPTO_WORDS`` occur (nlp.scan.WordScan), if the caller scanned
    for them. ``longest_word``: the longest token's length, if the caller knows it; the
    Base58 scan, which retries at every "1" and "3", is skipped when no word is long
    enough."""
    if words is None:
        words = _OWN_WORDS.starts(text)
    found: list[tuple[re.Match[str], str, str]] = []
    btc = _BTC.finditer(text) if longest_word is None or longest_word >= MIN_BASE58_WORD else ()
    for m in btc:
        if m.start() and text[m.start() - 1].isalnum():
            continue
        if base58check_valid(m.group(0)):
            found.append((m, m.group(0), "BTC"))
    if "bc1" in words or "tb1" in words:
        for m in _SEGWIT.finditer(text):
            if segwit_valid(m.group(0)):
                found.append((m, m.group(0).lower(), "BTC"))
    if "0x" in words:
        for m in _ETH.finditer(text):
            if eip55_valid(m.group(0)):
                found.append((m, eip55(m.group(0)), "ETH"))
    return [
        {
            "type": "crypto_address",
            "value": value,
            "text": m.group(0),
            "start": m.start(),
            "end": m.end(),
            "currency": currency,
        }
        for m, value, currency in found
    ]
