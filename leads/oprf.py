"""The oblivious pseudorandom function behind deconfliction: RFC 9497, ristretto255-SHA512,
in its verifiable mode (VOPRF), through the maintained ``voprf`` package (Rust, over
curve25519-dalek); Lantern does no group arithmetic of its own.

An agency blinds each canonical selector; the hub evaluates the blinded elements with a
key only it holds and proves, with a DLEQ proof, that it used the key whose public half
it published; the agency unblinds and keeps the output, a *pseudonym*. Without the key
nobody can compute a pseudonym, so a table of them cannot be reversed by trying every
phone number; without the agency's blind the hub never sees what it evaluated. The
verifiable mode keeps the hub honest too: a hub that used another key for one agency
(to tell its pseudonyms apart) fails the proof.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from voprf import ristretto

SUITE = "ristretto255-SHA512"
MODE = "voprf"
# DeriveKeyPair's info string: the key of a Lantern hub, not of any other use of a seed.
KEY_INFO = b"lantern deconfliction hub"


class OprfError(ValueError):
    """An element or proof that does not check, said in one line."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise OprfError(f"not base64url: {exc}") from None


# The hub's side


class HubKey:
    """The hub's OPRF key, derived from a 32-byte secret seed (RFC 9497 DeriveKeyPair)."""

    def __init__(self, seed: bytes, info: bytes = KEY_INFO) -> None:
        if len(seed) != 32:
            raise OprfError("the hub key seed is 32 bytes")
        self._evaluator = ristretto.Evaluator.from_seed(seed, info)
        self.public_key: bytes = self._evaluator.public_key.serialize()

    def evaluate(self, elements: Sequence[bytes]) -> list[bytes]:
        """Evaluates blinded elements (BlindEvaluate), each with its own proof;
        :class:`OprfError` if one is not a valid group element.

        One proof per element, not one per batch: voprf 0.2.0's batch verification
        aborts the process (a Rust panic) on a bad proof instead of raising, and an
        agency must be able to refuse a bad answer and go on."""
        try:
            blinded = [ristretto.BlindedInput.deserialize(e) for e in elements]
        except ValueError as exc:
            raise OprfError(f"a blinded element is not valid: {exc}") from None
        return [self._evaluator.evaluate(b).serialize() for b in blinded]

    def pseudonym_of(self, data: bytes) -> str:
        """The pseudonym of a known input (RFC 9497 Evaluate): for tests and benchmarks
        only — a hub that computes pseudonyms of inputs it chose learns nothing from an
        agency, but it should not need to."""
        return self._evaluator.evaluate_known_input(data).hex()


# The agency's side


@dataclass
class Blinded:
    clients: list[Any]  # the blinds, kept in memory until the answer comes
    elements: list[bytes]


def blind(inputs: Sequence[bytes]) -> Blinded:
    out = Blinded([], [])
    for data in inputs:
        client, element = ristretto.Client.blind(data)
        out.clients.append(client)
        out.elements.append(element.serialize())
    return out


def finalize(blinded: Blinded, evaluated: Sequence[bytes], public_key: bytes) -> list[str]:
    """The pseudonyms (hex), in input order, after checking each of the hub's proofs
    against ``public_key``; :class:`OprfError` when one does not check."""
    if len(evaluated) != len(blinded.clients):
        raise OprfError(f"the hub answered {len(evaluated)} of {len(blinded.clients)} elements")
    try:
        key = ristretto.PublicKey.deserialize(public_key)
        return [
            client.finalize(ristretto.VerifiableOutput.deserialize(answer), key).hex()
            for client, answer in zip(blinded.clients, evaluated, strict=True)
        ]
    except ValueError as exc:
        raise OprfError(f"the hub's answer does not verify against its public key: {exc}") from None
