"""The agency's side of the hub's API: blind, have evaluated, unblind, submit.

Selectors never leave the agency: :meth:`HubClient.pseudonyms` sends only blinded
elements and checks the hub's proofs against its public key (pinned in settings, or the
one the hub states, which is then recorded with the submission).
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any

import httpx

from leads.deconfliction import MAX_BATCH, blinded_input
from leads.oprf import MODE, SUITE, OprfError, b64, blind, finalize, unb64
from leads.settings import Settings


class HubUnavailable(RuntimeError):
    """The hub cannot be used (not configured, unreachable, refusing), in one line."""


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Verifies the hub's certificate (against LANTERN_HUB_CA_FILE if set) and presents
    the agency's client certificate where one is configured (mutual TLS)."""
    context = ssl.create_default_context(
        cafile=str(settings.hub_ca_file) if settings.hub_ca_file else None
    )
    if settings.hub_client_cert:
        key = settings.hub_client_key or settings.hub_client_cert
        context.load_cert_chain(str(settings.hub_client_cert), str(key))
    return context


class HubClient:
    def __init__(self, settings: Settings) -> None:
        if not (settings.hub_url and settings.hub_api_key):
            raise HubUnavailable(
                "no deconfliction hub is configured: set LANTERN_HUB_URL and LANTERN_HUB_API_KEY"
            )
        owner = (
            settings.hub_api_key.split("_", 2)[1] if settings.hub_api_key.count("_") >= 2 else ""
        )
        if settings.hub_agency_id and owner != settings.hub_agency_id:
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

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self.http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise HubUnavailable(
                f"hub at {self.url} unreachable: {type(exc).__name__}: {exc}"
            ) from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text[:300]
            if isinstance(detail, list):  # a refused field: say the first
                first = detail[0] if detail else {}
                where = ".".join(str(p) for p in first.get("loc", [])[1:])
                detail = f"{where}: {first.get('msg')}"
            raise HubUnavailable(
                f"hub at {self.url} refused {path} ({response.status_code}): {detail}"
            )
        return response.json()

    @property
    def public_key(self) -> bytes:
        """The key the hub's proofs must verify against: the pinned one, if any (and the
        hub must state the same), else the one it states."""
        if self._public_key is None:
            stated = self._call("GET", "/v1/key")
            if (stated.get("suite"), stated.get("mode")) != (SUITE, MODE):
                raise HubUnavailable(
                    f"the hub speaks {stated.get('suite')}/{stated.get('mode')}, not {SUITE}/{MODE}"
                )
            key = bytes.fromhex(stated["public_key"])
            pinned = self.settings.hub_public_key
            if pinned and bytes.fromhex(pinned) != key:
                raise HubUnavailable(
                    "the hub states a public key other than the pinned one (LANTERN_HUB_PUBLIC_KEY)"
                )
            self._public_key = key
        return self._public_key

    def pseudonyms(self, canonical_selectors: Sequence[str]) -> list[str]:
        """One pseudonym per canonical selector, in order."""
        out: list[str] = []
        for i in range(0, len(canonical_selectors), MAX_BATCH):
            chunk = canonical_selectors[i : i + MAX_BATCH]
            blinded = blind([blinded_input(s) for s in chunk])
            answer = self._call(
                "POST", "/v1/evaluate", {"elements": [b64(e) for e in blinded.elements]}
            )
            try:
                out += finalize(blinded, [unb64(a) for a in answer["evaluated"]], self.public_key)
            except OprfError as exc:
                raise HubUnavailable(str(exc)) from None
        return out

    def submit(
        self, case_id: str, pseudonyms: Sequence[str], contact: str | None, expires_days: int | None
    ) -> dict[str, Any]:
        result: dict[str, Any] = {"deconfliction_number": None, "stored": 0, "conflicts": []}
        for i in range(0, len(pseudonyms), MAX_BATCH):
            part = self._call(
                "POST",
                "/v1/pointers",
                {
                    "case_id": case_id,
                    "pseudonyms": list(pseudonyms[i : i + MAX_BATCH]),
                    "contact": contact,
                    "expires_days": expires_days,
                },
            )
            result["deconfliction_number"] = part["deconfliction_number"]
            result["stored"] += part["stored"]
            result["conflicts"] += part["conflicts"]
        return result

    def withdraw(self, case_id: str, kind: str = "pointers") -> int:
        return int(self._call("POST", f"/v1/{kind}/withdraw", {"case_id": case_id})["withdrawn"])

    def operation(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/v1/operations", body)
        return result

    def conflicts(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/v1/conflicts")["conflicts"])
