"""The records that cross stage boundaries. Validated here, never passed as loose dicts.

One exception, inside extraction only: the hot path builds entities and indicators as
``EntityFields`` / ``IndicatorFields`` (typed dicts with the models' fields) and
validates them all at once when it builds the document's ``Extraction``; one validation
per document measured a third of the cost of one model per entity.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired, TypedDict

from pydantic import AfterValidator, Field

from leads.ids import check_record_id
from leads.taxonomy import Domain, load_entity_types, load_taxonomy
from leads.validation import Strict

Tier = Literal["high", "medium", "low", "none"]
# An id Elasticsearch can store as _id (at most 512 bytes): a longer one would fail the
# whole bulk request it travels in, so it is refused here, record by record.
RecordId = Annotated[str, AfterValidator(check_record_id)]


def _known(names: frozenset[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in names:
            raise ValueError(f"unknown {what} {value!r}")
        return value

    return AfterValidator(check)


# Names are the contract (taxonomy.yaml, entity_types.yaml): nothing else gets through.
CategoryName = Annotated[str, _known(frozenset(load_taxonomy()), "category")]
EntityTypeName = Annotated[str, _known(frozenset(load_entity_types()), "entity type")]


class WarcRef(Strict):
    """Where the raw response sits in the evidence store."""

    file: str
    record_id: str
    offset: int


class ScreenshotRef(Strict):
    """A screenshot of a rendered page, saved as evidence beside its WARC record."""

    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int


class Provenance(Strict):
    source_id: str
    url: str
    final_url: str
    fetched_at: datetime
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    batch_id: str
    crawler_version: str
    http_status: int
    content_type: str | None = None
    rendered: bool = False
    warc: WarcRef | None = None
    screenshot: ScreenshotRef | None = None


class ImageRef(Strict):
    """A picture on the page, fetched like the page and kept as evidence: its exact hash
    and a perceptual hash that survives resizing and recompression."""

    url: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    phash: str = Field(pattern=r"^[0-9a-f]{16}$")
    width: int
    height: int


class Sighting(Strict):
    """One place and time a post was seen. The same content seen again (a repost, a
    cross-post to another platform) adds a sighting, not a second document."""

    source_id: str
    url: str
    fetched_at: datetime
    batch_id: str
    author: str | None = None
    posted_at: str | None = None


class RawDocument(Strict):
    """One fetched page or post, as collected, with where and when it came from."""

    id: RecordId
    title: str | None = None
    text: str
    posted_at: str | None = None
    location: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    images: list[ImageRef] = Field(default_factory=list)
    provenance: Provenance
    sightings: list[Sighting] = Field(default_factory=list)
    # Stamped by the retention job (leads/retention.py): when this may be deleted.
    retain_until: datetime | None = None


class Indicator(Strict):
    category: CategoryName
    domain: Domain
    rule: str
    weight: float
    text: str
    start: int
    end: int


class Entity(Strict):
    type: EntityTypeName
    value: str
    text: str
    start: int
    end: int
    obfuscated: bool | None = None
    currency: str | None = None
    platform: str | None = None
    lat: float | None = None
    lon: float | None = None


class IndicatorFields(TypedDict):
    """An ``Indicator`` before validation (see the module note)."""

    category: str
    domain: Domain
    rule: str
    weight: float
    text: str
    start: int
    end: int


class EntityFields(TypedDict):
    """An ``Entity`` before validation (see the module note)."""

    type: str
    value: str
    text: str
    start: int
    end: int
    obfuscated: NotRequired[bool | None]
    currency: NotRequired[str | None]
    platform: NotRequired[str | None]
    lat: NotRequired[float | None]
    lon: NotRequired[float | None]


class Extraction(Strict):
    """The ``lantern extract`` contract: one per input record, in input order."""

    id: str
    indicators: list[Indicator]
    entities: list[Entity]
    score: int
    tier: Tier
    explanation: list[str]


class LeadNetwork(Strict):
    """What the strongest of a lead's selectors links it to (hubs excluded)."""

    selector: str
    ads: int
    stated_ages: int
    states: int
    days: int
    points: int
    # identity: a shared phone, email, handle…; similar: only shared template wording.
    relation: Literal["identity", "similar"] = "identity"


class Lead(Strict):
    """A scored document: a reason for a trained person to look, never evidence alone."""

    id: RecordId
    doc_id: RecordId
    source_id: str
    url: str
    title: str | None = None
    snippet: str
    score: int
    tier: Tier
    explanation: list[str]
    categories: list[str]
    domains: list[str]
    selectors: list[str]
    places: list[dict[str, float]] = Field(default_factory=list)
    # The states (USPS codes) and counties (FIPS) the ad's places point to: what a
    # regional assessment and a Kibana filter select on.
    states: list[str] = Field(default_factory=list)
    counties: list[str] = Field(default_factory=list)
    indicators: list[Indicator]
    entities: list[Entity]
    batch_id: str
    fetched_at: datetime
    # When the ad says it was posted (ISO date), if it says; else when we fetched it.
    seen_at: datetime | None = None
    scored_at: datetime
    sha256: str
    # The score from the ad alone, kept so network re-scoring can start over from it.
    document_score: int | None = None
    document_explanation: list[str] = Field(default_factory=list)
    network: LeadNetwork | None = None
    retain_until: datetime | None = None  # stamped by the retention job


class SelectorProfile(Strict):
    """Everything known about one selector: the ads it appears in and what they say."""

    id: RecordId
    selector: str
    type: str
    value: str
    doc_ids: list[str]
    doc_count: int
    sources: list[str]
    places: list[str]
    states: list[str]
    ages: list[str]
    names: list[str]
    first_seen: datetime
    last_seen: datetime
    hub: bool
    explanation: str
    batch_id: str | None = None


class NetworkDoc(Strict):
    id: str
    url: str
    title: str | None = None
    score: int
    tier: Tier
    source_id: str
    fetched_at: datetime


class NetworkEdge(Strict):
    """Why two ads are in one network: both carry this selector."""

    doc_id: str
    selector: str


class NetworkSelector(Strict):
    selector: str
    doc_count: int
    hub: bool


class SimilarDoc(NetworkDoc):
    """An ad that shares only wording with a network (a near-duplicate template), not an
    identity selector: a weaker relation, listed beside the network, never joined to it."""

    template: str  # the selector template:<cluster id>
    similarity: float  # estimated Jaccard similarity to the closest network ad
    closest: str  # that network ad's id


class Network(Strict):
    """The ads reachable from one selector through shared identity selectors (phone,
    email, handle, payment handle, wallet, picture), with the evidence for every edge.
    Hubs are listed but never followed. Ads that only copy a network ad's wording are
    listed under ``similar``."""

    root: str
    docs: list[NetworkDoc]
    edges: list[NetworkEdge]
    selectors: list[NetworkSelector]
    features: dict[str, float | int]
    explanation: str
    truncated: bool
    similar: list[SimilarDoc] = []


class DeadLetter(Strict):
    """A record that could not be processed, kept with the reason so nothing vanishes."""

    id: RecordId
    stage: str
    record_id: str
    reason: str
    batch_id: str | None = None
    at: datetime
    payload: str | None = None
