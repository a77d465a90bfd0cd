"""One typed settings object, read once from the environment (prefix ``LANTERN_``).

``ES_URL`` is read without the prefix because operators already know that name.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LANTERN_", extra="ignore")

    # Unset: the local development node, http://127.0.0.1:<es_port>.
    es_url: str = Field(
        default="",
        validation_alias=AliasChoices("ES_URL", "LANTERN_ES_URL"),
    )
    es_username: str | None = None
    es_password: str | None = None
    es_ca_certs: str | None = None
    # Every index and alias name starts with this, so tests and tenants never collide.
    index_prefix: str = "lantern"
    bulk_chunk_size: int = 500
    # Bulk requests one write keeps in flight at once: Elasticsearch indexes one while
    # the next is built and sent. Bounded, so memory stays flat and a slow node is
    # never flooded (it answers 429 and those items are sent again).
    bulk_concurrency: int = Field(default=4, ge=1, le=16)
    # Processes that extract and score (``lantern score``, the DAGs' score tasks) and make
    # ad signatures (``lantern link``); unset: one per core. 0: in the calling process.
    extract_workers: int | None = Field(default=None, ge=0, le=64)
    # A selector in more ads than this (a public hotline, a platform's support address)
    # is a hub: reported, but never used to join ads into one network.
    hub_threshold: int = 200
    bulk_max_retries: int = 5
    # How long a write waits for an Elasticsearch that went away before the run stops
    # (with its output and dead letters kept; a re-run converges).
    es_retry_seconds: float = 120.0

    # Optional statistical NER (an installed spaCy package such as en_core_web_sm);
    # the default rule pipeline needs no model download.
    spacy_model: str | None = None
    data_dir: Path = REPO_ROOT / "var"
    evidence_dir: Path | None = None
    # Site profiles and social sources: the shipped folders hold documented, disabled
    # examples; a deployment (or the demo, or a test) points these at its own.
    profiles_dir: Path = REPO_ROOT / "crawlers" / "profiles"
    sources_dir: Path = REPO_ROOT / "crawlers" / "sources"
    # Drop folder of DOL guest-worker files for the lantern_guestworker DAG;
    # None: <data_dir>/guestworker.
    guestworker_dir: Path | None = None

    # Who is acting, for the audit trail: unset, the operating-system user. A shared
    # service account must set it to the person.
    user: str | None = None
    # The audit trail's signed checkpoints (and, without audit_key_file, the Ed25519
    # key made on first use); None: <data_dir>/audit, beside the evidence.
    audit_dir: Path | None = None
    audit_key_file: Path | None = None
    audit_checkpoint_every: int = Field(default=100, ge=1)
    # How long collected records are kept: days after collection (intelligence records,
    # five years), and per source where a source's terms or law ask for less or more.
    retention_days: int = Field(default=1826, ge=1)
    retention_days_by_source: dict[str, int] = Field(default_factory=dict)
    # An RFC 3161 timestamp authority for evidence-package manifests (unset: none), and
    # the root certificate(s) that verify its tokens.
    tsa_url: str | None = None
    tsa_ca_file: Path | None = None

    # Deconfliction, the agency's side: the regional hub this agency submits blinded
    # selectors to, the API key the hub's operator issued it, and its id there. The
    # hub's OPRF public key (hex) may be pinned; unset, the key the hub states is used
    # and recorded with every submission.
    hub_url: str | None = None
    hub_api_key: str | None = None
    hub_agency_id: str | None = None
    hub_public_key: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    # TLS to the hub: the CA that signed its certificate, and this agency's client
    # certificate (and key) where the hub asks for one.
    hub_ca_file: Path | None = None
    hub_client_cert: Path | None = None
    hub_client_key: Path | None = None

    # The hub itself (`lantern hub serve`), run by a regional center, not an agency: its
    # own indices, OPRF key, audit trail and port. None: <data_dir>/hub.
    hub_dir: Path | None = None
    hub_index_prefix: str = "lantern-hub"
    hub_host: str = "127.0.0.1"
    hub_port: int = 8700
    # Blinded elements one agency may have evaluated per hour: enough for any case,
    # far too few to try phone numbers (10^10 of them) through the hub.
    hub_evaluations_per_hour: int = Field(default=2000, ge=1)
    hub_purge_seconds: float = Field(default=3600.0, gt=0)
    # TLS for the hub (recommended off loopback); with a client CA, agencies must also
    # present a certificate it signed (mutual TLS) besides their API key.
    hub_tls_cert: Path | None = None
    hub_tls_key: Path | None = None
    hub_tls_client_ca: Path | None = None

    # The workspace (`lantern serve`): where it listens, sign-in lockout, session length,
    # and the share of the review queue drawn at random from every tier (so precision is
    # measured where the score does not already look, too).
    workspace_host: str = "127.0.0.1"
    workspace_port: int = 8800
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    session_hours: float = Field(default=10.0, gt=0)
    review_random_share: float = Field(default=0.07, ge=0.05, le=0.10)

    # Regional threat assessments (`lantern assess`, the lantern_assessment DAG): the
    # regions rendered each month, as "CA" or "GA/Fulton", and where reports are kept
    # (one folder per region and period; earlier ones stay).
    assessment_regions: list[str] = Field(default_factory=list)
    assessments_dir: Path | None = None

    # The local development node (lantern.local.elasticsearch): loopback only.
    es_port: int = 9200
    es_heap: str = "1g"
    # None: /var/tmp/lantern-es-<port>, outside the checkout, so the unprivileged user
    # Elasticsearch runs as can reach it whatever the checkout's folders allow.
    es_home: Path | None = None
    # Where the Elasticsearch download is cached (kept by `make clean`).
    cache_dir: Path = REPO_ROOT / ".cache"

    # Honest identification: who we are and how to reach the operator.
    user_agent: str = (
        "LanternBot/0.1 (+https://github.com/lantern-osint/lantern; "
        "anti-trafficking research crawler; operator contact in README)"
    )
    # Per-profile base URL overrides, JSON: {"demo-classifieds": "http://127.0.0.1:9000"}.
    base_urls: dict[str, str] = Field(default_factory=dict)
    chromium_path: Path = Path("/usr/bin/chromium")
    # host:port pairs that may be fetched although they resolve to private addresses.
    allowed_private_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    download_maxsize: int = 10 * 1024 * 1024
    download_timeout: float = 30.0

    @field_validator("allowed_private_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip().lower() for h in value.split(",") if h.strip()]
        return value

    _es_url_chosen: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _local_url(self) -> Settings:
        self._es_url_chosen = bool(self.es_url)
        if not self.es_url:
            self.es_url = f"http://127.0.0.1:{self.es_port}"
        return self

    @property
    def es_url_is_set(self) -> bool:
        """Whether an operator chose a cluster with ES_URL (then no local node starts)."""
        return self._es_url_chosen

    @property
    def es_home_path(self) -> Path:
        return self.es_home or Path(f"/var/tmp/lantern-es-{self.es_port}")

    @property
    def evidence_path(self) -> Path:
        return self.evidence_dir or self.data_dir / "evidence"

    def evidence_folder(self, batch_id: str) -> Path:
        """The batch's evidence folder, always inside the evidence store: a batch id is
        checked (letters, digits, '_.+-', no '..') before it names a folder."""
        from leads.ids import check_batch_id

        base = self.evidence_path.resolve()
        folder = (base / check_batch_id(batch_id)).resolve()
        if base not in folder.parents:
            raise ValueError(f"batch id {batch_id!r} leaves the evidence folder")
        return folder

    @property
    def audit_path(self) -> Path:
        return self.audit_dir or self.data_dir / "audit"

    @property
    def hub_path(self) -> Path:
        return self.hub_dir or self.data_dir / "hub"

    def hub_side(self) -> Settings:
        """These settings as the hub's store sees them: its own index prefix and its own
        audit trail (checkpoints and signing key in the hub's folder)."""
        return self.model_copy(
            update={
                "index_prefix": self.hub_index_prefix,
                "audit_dir": self.hub_path / "audit",
                "audit_key_file": None,
            }
        )

    @property
    def assessments_path(self) -> Path:
        return self.assessments_dir or self.data_dir / "assessments"

    @property
    def guestworker_path(self) -> Path:
        return self.guestworker_dir or self.data_dir / "guestworker"

    def index(self, kind: str) -> str:
        """The alias for one kind of document, e.g. ``lantern-raw``."""
        return f"{self.index_prefix}-{kind}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
