"""The agency's side of the hub's API: blind, have evaluated, unblind, submit.

Selectors never leave the agency: :meth:`HubClient.pseudonyms` sends only blinded
elements and checks the hub's proofs against its public key (pinned in settings, or the
one the hub states, which the agency then keeps to itself and compares every later
time). Every answer is parsed into a model before it is used: a hub that answers
nonsense is one line (:class:`HubUnavailable`), never a traceback.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leads.deconfliction import MAX_BATCH, blinded_input, key_owner
from leads.oprf import MODE, SUITE, OprfError, b64, blind, finalize, unb64
from leads.settings import Settings
from leads.validation import validation_message

Short = Annotated[str, Field(max_length=2000)]
A = TypeVar("A", bound="Answer")


class HubUnavailable(RuntimeError):
    """The hub cannot be used (not configured, unreachable, refusing, answering
    nonsense), in one line."""


class Answer(BaseModel):
    # A newer hub may say more; what this agency reads is checked, the rest ignored.
    model_config = ConfigDict(extra="ignore")


class KeyOut(Answer):
    suite: Short
    mode: Short
    public_key: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class EvaluateOut(Answer):
    evaluated: list[Annotated[str, Field(max_length=200)]]


class Side(Answer):
    agency_id: Short
    agency: Short
    agency_contact: Short | None = None
    contact: Short | None = None
    case_id: Short
    deconfliction_number: Short
    pseudonym: Short | None = None
    kind: Short | None = None
    geohash: Short | None = None
    starts_at: Short | None = None
    ends_at: Short | None = None


class Conflict(Answer):
    id: Short
    kind: Short
    found_at: Short
    status: Short = "open"
    yours: Side
    other: Side


class SubmitOut(Answer):
    deconfliction_number: Short
    expires_at: Short | None = None
    stored: int
    conflicts: list[Conflict]


class WithdrawOut(Answer):
    withdrawn: int


class ConflictsOut(Answer):
    conflicts: list[Conflict]


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Verifies the hub's certificate (against LANTERN_HUB_CA_FILE if set) and presents
    the agency's client certificate where one is configured (mutual TLS)."""
    try:
        context = ssl.create_default_context(
            cafile=str(settings.hub_ca_file) if settings.hub_ca_file else None
        )
        if settings.hub_client_cert:
            key = settings.hub_client_key or settings.hub_client_cert
            context.load_cert_chain(str(settings.hub_client_cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise HubUnavailable(f"TLS settings for the hub cannot be used: {exc}") from None
    return context


class HubClient:
    def __init__(self, settings: Settings) -> None:
        if not (settings.hub_url and settings.hub_api_key):
            raise HubUnavailable(
                "no deconfliction hub is configured: set LANTERN_HUB_URL and LANTERN_HUB_API_KEY"
            )
        if settings.hub_agency_id and key_owner(settings.hub_api_key) != settings.hub_agency_id:
            raise HubUnavailable(
                f"LANTERN_HUB_API_KEY is not a key of agency {settings.hub_agency_id!r} "
                "(LANTERN_HUB_AGENCY_ID)"
            )
        self.url = settings.hub_url.rstrip("/")
        self.settings = settings
        self.http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {settings.hub_api_key}"},
            timeout=60.0,
            verify=tls_context(settings),
        )
        self._public_key: bytes | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(
        self, model: type[A], method: str, path: str, body: dict[str, Any] | None = None
    ) -> A:
        try:
            response = self.http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise HubUnavailable(
                f"hub at {self.url} unreachable: {type(exc).__name__}: {exc}"
            ) from None
        if response.status_code >= 400:
            raise HubUnavailable(
                f"hub at {self.url} refused {path} ({response.status_code}): {_detail(response)}"
            )
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise HubUnavailable(
                f"hub at {self.url} answered {path} with what is not a {model.__name__}: "
                f"{validation_message(exc)[:300]}"
            ) from None

    @property
    def public_key(self) -> bytes:
        """The key the hub's proofs must verify against: the pinned one, if any (and the
        hub must state the same), else the one it states."""
        if self._public_key is None:
            stated = self._call(KeyOut, "GET", "/v1/key")
            if (stated.suite, stated.mode) != (SUITE, MODE):
                raise HubUnavailable(
                    f"the hub speaks {stated.suite}/{stated.mode}, not {SUITE}/{MODE}"
                )
            pinned = self.settings.hub_public_key
            if pinned and pinned.lower() != stated.public_key:
                raise HubUnavailable(
                    "the hub states a public key other than the pinned one "
                    "(LANTERN_HUB_PUBLIC_KEY): refusing to use it"
                )
            self._public_key = bytes.fromhex(stated.public_key)
        return self._public_key

    def pseudonyms(self, canonical_selectors: Sequence[str]) -> list[str]:
        """One pseudonym per canonical selector, in order."""
        out: list[str] = []
        for i in range(0, len(canonical_selectors), MAX_BATCH):
            chunk = canonical_selectors[i : i + MAX_BATCH]
            blinded = blind([blinded_input(s) for s in chunk])
            elements = [b64(e) for e in blinded.elements]
            answer = self._call(EvaluateOut, "POST", "/v1/evaluate", {"elements": elements})
            try:
                out += finalize(blinded, [unb64(a) for a in answer.evaluated], self.public_key)
            except OprfError as exc:
                raise HubUnavailable(f"hub at {self.url}: {exc}") from None
        return out

    def submit(
        self, case_id: str, pseudonyms: Sequence[str], contact: str | None, days: int | None
    ) -> SubmitOut:
        result = SubmitOut(deconfliction_number="", stored=0, conflicts=[])
        for i in range(0, len(pseudonyms), MAX_BATCH):
            body = {
                "case_id": case_id,
                "pseudonyms": list(pseudonyms[i : i + MAX_BATCH]),
                "contact": contact,
                "expires_days": days,
            }
            part = self._call(SubmitOut, "POST", "/v1/pointers", body)
            result.deconfliction_number = part.deconfliction_number
            result.expires_at = part.expires_at
            result.stored += part.stored
            result.conflicts += part.conflicts
        return result

    def withdraw(
        self, case_id: str, kind: str = "pointers", pseudonyms: Sequence[str] | None = None
    ) -> int:
        path = f"/v1/{kind}/withdraw"
        if pseudonyms is None:
            return self._call(WithdrawOut, "POST", path, {"case_id": case_id}).withdrawn
        total = 0
        for i in range(0, len(pseudonyms), MAX_BATCH):
            body = {"case_id": case_id, "pseudonyms": list(pseudonyms[i : i + MAX_BATCH])}
            total += self._call(WithdrawOut, "POST", path, body).withdrawn
        return total

    def operation(self, body: dict[str, Any]) -> SubmitOut:
        answer = self._call(OperationOut, "POST", "/v1/operations", body)
        return SubmitOut(
            deconfliction_number=answer.deconfliction_number, stored=1, conflicts=answer.conflicts
        )

    def conflicts(self) -> list[Conflict]:
        return self._call(ConflictsOut, "GET", "/v1/conflicts").conflicts


class OperationOut(Answer):
    deconfliction_number: Short
    conflicts: list[Conflict]


def _detail(response: httpx.Response) -> str:
    """What a refusal says, in at most 300 characters (FastAPI's field errors: the first)."""
    try:
        detail: Any = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = response.text
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        first = detail[0]
        where = ".".join(str(p) for p in first.get("loc", [])[1:])
        detail = f"{where}: {first.get('msg')}"
    return str(detail)[:300]
