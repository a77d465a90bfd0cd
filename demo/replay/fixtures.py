"""The replay server's fictional, seeded "world": Mastodon instances, a Bluesky actor and
Telegram channels, with job ads (some with labor-trafficking wording) to collect.

Everything is invented: handles say "demo"/"fake"/"example", phone numbers are in the
555-01xx range reserved for fiction. The same seed always builds the same world, so
tests can assert exact counts; ``add_*`` methods append newer items at run time.
"""

from __future__ import annotations

import base64
import hashlib
import html
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# The one text planted on all three networks (alpha #hiring, the Bluesky actor, the
# demo_jobs_board channel): a collector should store it once with three sightings.
# Plain ASCII without & < > or quotes, so it survives HTML escaping unchanged.
CROSS_POST_TEXT = (
    "Hiring now: 20 farm workers for the apple harvest in Yakima, WA. Placement fee of "
    "$500 paid to the recruiter before travel. We keep your passport for safekeeping. "
    "Housing deducted from your pay, no days off. Call or text (509) 555-0142. #hiring"
)
CROSS_POST_AT = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)

# The newest fixture item is older than this; runtime additions come after it.
WORLD_END = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

MASTODON_INSTANCES = ("alpha", "closed", "quiet", "broken")
BSKY_ACTOR = "demo-recruiter.bsky.social"
BSKY_OTHER = "fakename-agency.bsky.social"
TELEGRAM_CHANNEL = "demo_jobs_board"
TELEGRAM_PRIVATE = "private_group"
TELEGRAM_BROKEN = "broken_markup"

HIRING_COUNT = {"alpha": 95, "broken": 60}
ALPHA_OTHER_COUNT = 25  # alpha statuses without #hiring (public timeline = 120)
RECRUITER_STATUS_COUNT = 50
BSKY_POST_COUNT = 120
BSKY_REPOST_COUNT = 2
TELEGRAM_POST_COUNT = 55
BROKEN_BIG_POSITION = 10  # the ~2 MB status is the 10th newest #hiring on "broken"
BIG_CONTENT_BYTES = 2 * 1024 * 1024

CITIES = [
    ("Yakima", "WA", "509"),
    ("Fresno", "CA", "559"),
    ("Salinas", "CA", "831"),
    ("Immokalee", "FL", "239"),
    ("Houston", "TX", "713"),
    ("Atlanta", "GA", "404"),
    ("Las Vegas", "NV", "702"),
    ("Phoenix", "AZ", "602"),
    ("Chicago", "IL", "312"),
    ("Miami", "FL", "305"),
]
CROPS = ["apple", "cherry", "strawberry", "onion", "tomato"]
AGENCIES = ["Fakename Agency", "Demo Staffing Co", "Ejemplo Reclutamiento", "Sample Labor Partners"]
FEES = [300, 450, 500, 750, 900, 1200, 1500]
WAGES = ["16.50", "18", "19.25", "20", "22"]

# Labor-trafficking indicators (fees, document retention, deductions, no rest) in the
# words real recruitment ads use; each template keeps a phone so leads can be linked.
CONCERNING_EN = [
    "Hiring {n} farm workers for the {crop} harvest in {city}. Placement fee of ${fee} paid "
    "to the recruiter before travel. We keep your passport for safekeeping. Call {phone}.",
    "Factory jobs in {city}, start this week! Housing deducted from your pay, no days off "
    "during peak season. Registration fee ${fee}, non-refundable. Text {phone}.",
    "{agency} needs hotel housekeepers in {city}. Workers must live in company housing, "
    "transport only by the employer. Processing fee ${fee} to hold your spot. {phone}",
    "Construction helpers needed in {city}. Travel advance repaid from your wages, 7 days a "
    "week, 12 hours a day. We keep your passport for safekeeping. Call {phone}.",
    "Landscaping crew wanted in {city}. Pay ${fee} to the agency for your visa paperwork, "
    "housing deducted from your pay. No phones at the worksite. WhatsApp {phone}.",
    "Restaurant kitchen jobs in {city}. Placement fee of ${fee} paid to the recruiter, wages "
    "paid at the end of the season. No days off. Ask for the manager at {phone}.",
]
CONCERNING_ES = [
    "Se buscan trabajadores para el campo en {city}. Pago de la visa ${fee}, guardamos tu "
    "pasaporte. La vivienda se descuenta del sueldo. Llama al {phone}.",
    "Trabajo en empacadora en {city}, 7 días a la semana, sin días de descanso. Cuota de "
    "inscripción de ${fee} para apartar tu lugar. Tel {phone}.",
    "{agency} contrata personal de limpieza en {city}. Cuota de inscripción ${fee}, no "
    "reembolsable. El pasaje se descuenta de tu pago. WhatsApp {phone}.",
    "Trabajo en construcción en {city}. Pago de la visa y del pasaje por adelantado, ${fee} "
    "al reclutador. Vives en la casa del patrón. Informes {phone}.",
]
BENIGN_EN = [
    "Warehouse associate, full time in {city}. ${wage}/hour, overtime optional, benefits "
    "after 60 days. Apply in person or call HR at {phone}.",
    "Line cook wanted in {city}, 2 years experience, ${wage}/hour, Tuesday to Saturday. "
    "Call {phone}.",
    "H-2A farmworker positions in {city}. ${wage}/hour, 40 hours a week, free housing as "
    "required by law, transportation to the worksite. Apply with the state workforce "
    "agency. {phone}",
    "Landscaping crew member in {city}, Monday to Friday, ${wage}/hour, paid weekly. {phone}",
    "Community job fair this Saturday at the {city} public library, 10am to 2pm. Bring "
    "your resume! Info {phone}.",
]
BENIGN_ES = [
    "Cajero/a de tienda en {city}, medio tiempo, ${wage} por hora, horario flexible. Llame "
    "al {phone}.",
    "Se busca cocinero/a en {city}, lunes a viernes, ${wage} por hora, con prestaciones. "
    "Informes al {phone}.",
]
# Ordinary chatter with none of the watch words (hiring, visa, trabajo, fee...).
CHATTER = [
    ("Beautiful sunset over the lake tonight.", "en"),
    ("Anyone have a good sourdough recipe? Mine keeps coming out flat.", "en"),
    ("Our team won the game last night, what a finish!", "en"),
    ("Reading a great book about the history of maps.", "en"),
    ("Coffee first, then everything else.", "en"),
    ("Finally finished painting the fence.", "en"),
    ("La playa estaba preciosa hoy.", "es"),
    ("Nuevo episodio del podcast disponible.", "es"),
]

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")


def iso_ms(dt: datetime) -> str:
    """Mastodon/Bluesky timestamps: UTC with milliseconds and a Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def fake_did(name: str) -> str:
    """A did:plc-shaped identifier (24 base32 characters) derived from ``name``."""
    digest = base64.b32encode(hashlib.sha256(f"did:{name}".encode()).digest()).decode()
    return "did:plc:" + digest.lower()[:24]


def fake_cid(data: str) -> str:
    """A CIDv1 (dag-cbor, sha2-256, base32) over ``data``: the real shape, "bafyrei…"."""
    raw = bytes([0x01, 0x71, 0x12, 0x20]) + hashlib.sha256(data.encode()).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def tid(dt: datetime, clock_id: int = 0) -> str:
    """An atproto TID (record key / rev): microseconds since the epoch, sortable base32."""
    value = (int(dt.timestamp() * 1_000_000) << 10) | (clock_id & 0x3FF)
    return "".join(_TID_ALPHABET[(value >> (5 * (12 - i))) & 31] for i in range(13))


def snowflake(dt: datetime, seq: int) -> int:
    """A Mastodon-style id: milliseconds << 16 plus a sequence, so ids grow with time."""
    return (int(dt.timestamp() * 1000) << 16) | (seq & 0xFFFF)


def fake_phone(rng: random.Random, area: str) -> str:
    line = rng.randrange(100, 200)
    if rng.random() < 0.5:
        return f"({area}) 555-{line:04d}"
    return f"{area}-555-{line:04d}"


def job_text(rng: random.Random, concerning: bool, spanish: bool) -> str:
    """One job ad in plain text, from the templates above."""
    if concerning:
        template = rng.choice(CONCERNING_ES if spanish else CONCERNING_EN)
    else:
        template = rng.choice(BENIGN_ES if spanish else BENIGN_EN)
    city, state, area = rng.choice(CITIES)
    return template.format(
        n=rng.choice([5, 10, 12, 20, 30]),
        crop=rng.choice(CROPS),
        city=f"{city}, {state}",
        fee=rng.choice(FEES),
        wage=rng.choice(WAGES),
        agency=rng.choice(AGENCIES),
        phone=fake_phone(rng, area),
    )


def mastodon_html(text: str, instance_url: str) -> str:
    """Plain text as Mastodon renders it: <p> per paragraph, <br> per line, tag links."""

    def tag(match: re.Match[str]) -> str:
        name = match.group(1)
        return (
            f'<a href="{instance_url}/tags/{name.lower()}" class="mention hashtag" '
            f'rel="tag">#<span>{name}</span></a>'
        )

    paragraphs = []
    for para in text.split("\n\n"):
        lines = [_HASHTAG.sub(tag, html.escape(line, quote=False)) for line in para.split("\n")]
        paragraphs.append("<p>" + "<br>".join(lines) + "</p>")
    return "".join(paragraphs)


def telegram_html(text: str) -> str:
    """Plain text as t.me/s renders a message: escaped, <br/> per line, #tag search links."""
    escaped = html.escape(text, quote=False).replace("\n", "<br/>")
    return _HASHTAG.sub(lambda m: f'<a href="?q=%23{m.group(1)}">#{m.group(1)}</a>', escaped)


def hashtags(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        seen.setdefault(match.group(1).lower(), None)
    return tuple(seen)


def bsky_facets(text: str) -> list[dict[str, Any]]:
    """richtext tag facets; indexes are UTF-8 byte offsets, as the lexicon requires."""
    facets = []
    for match in _HASHTAG.finditer(text):
        start = len(text[: match.start()].encode())
        end = start + len(match.group(0).encode())
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": match.group(1)}],
            }
        )
    return facets


@dataclass
class MastodonAccount:
    id: str
    username: str
    display_name: str
    note: str  # HTML, as the API returns it
    created_at: datetime


@dataclass
class MastodonStatus:
    id: int
    created_at: datetime
    account: str  # username on the same instance
    content: str  # HTML
    language: str
    tags: tuple[str, ...]
    replies_count: int = 0
    reblogs_count: int = 0
    favourites_count: int = 0
    sensitive: bool = False
    spoiler_text: str = ""


@dataclass
class MastodonInstance:
    name: str
    mode: str  # "normal", "closed" (401 everywhere), "quiet" (no statuses), "broken"
    accounts: dict[str, MastodonAccount] = field(default_factory=dict)
    statuses: list[MastodonStatus] = field(default_factory=list)  # ids ascending


@dataclass
class BskyActor:
    did: str
    handle: str
    display_name: str
    created_at: datetime


@dataclass
class BskyPost:
    rkey: str
    cid: str
    author: BskyActor
    text: str
    created_at: datetime
    indexed_at: datetime
    langs: list[str]
    facets: list[dict[str, Any]]
    reply_count: int = 0
    repost_count: int = 0
    like_count: int = 0

    @property
    def uri(self) -> str:
        return f"at://{self.author.did}/app.bsky.feed.post/{self.rkey}"


@dataclass
class BskyFeedItem:
    """One entry of an author feed: the actor's own post, or a repost by the actor."""

    post: BskyPost
    reposted_at: datetime | None = None  # set for reposts (reasonRepost.indexedAt)

    @property
    def sort_at(self) -> datetime:
        return self.reposted_at or self.post.indexed_at


@dataclass
class TelegramPost:
    id: int
    channel: str
    html: str  # inner HTML of the message text div
    date: datetime
    views: int = 0


@dataclass
class TelegramChannel:
    name: str
    title: str
    mode: str  # "public", "private" (no preview) or "broken" (no message markup)
    posts: list[TelegramPost] = field(default_factory=list)  # ids ascending


class World:
    """All fixture content, shared by the request threads; ``lock`` guards every list.

    ``base_url`` is the server's address: Mastodon statuses link to their instance and
    the planted tracker image points at it.
    """

    def __init__(self, seed: int = 7, base_url: str = "http://127.0.0.1") -> None:
        self.seed = seed
        self.base_url = base_url.rstrip("/")
        self.lock = threading.RLock()
        self.mastodon: dict[str, MastodonInstance] = {}
        self.bsky_actors: dict[str, BskyActor] = {}  # by DID
        self.bsky_feeds: dict[str, list[BskyFeedItem]] = {}  # by DID, sort_at ascending
        self.telegram: dict[str, TelegramChannel] = {}
        self._latest = WORLD_END - timedelta(minutes=1)
        self._account_seq = 0
        rng = random.Random(seed)
        self._build_mastodon(rng)
        self._build_bluesky(rng)
        self._build_telegram(rng)

    # -- lookups ------------------------------------------------------------------

    def mastodon_url(self, instance: str) -> str:
        return f"{self.base_url}/mastodon/{instance}"

    @property
    def xss_status_id(self) -> str:
        """The alpha status whose HTML carries a script, a tracker image and a link."""
        return self._xss_id

    @property
    def big_status_id(self) -> str:
        """The "broken" instance status whose content is about 2 MB."""
        return self._big_id

    def bsky_actor(self, actor: str) -> BskyActor | None:
        """Finds an actor by DID or handle (getAuthorFeed accepts either)."""
        with self.lock:
            if actor in self.bsky_actors:
                return self.bsky_actors[actor]
            handle = actor.lower().lstrip("@")
            return next((a for a in self.bsky_actors.values() if a.handle == handle), None)

    def statuses(
        self, instance: str, tag: str | None = None, account: str | None = None
    ) -> list[MastodonStatus]:
        """A snapshot of an instance's statuses (ids ascending), optionally filtered."""
        with self.lock:
            found = list(self.mastodon[instance].statuses)
        if tag is not None:
            found = [s for s in found if tag.lower() in s.tags]
        if account is not None:
            found = [s for s in found if s.account == account]
        return found

    def feed(self, did: str) -> list[BskyFeedItem]:
        with self.lock:
            return list(self.bsky_feeds.get(did, []))

    def telegram_posts(self, channel: str) -> list[TelegramPost]:
        with self.lock:
            return list(self.telegram[channel].posts)

    # -- wire formats ---------------------------------------------------------------

    def account_json(self, inst: MastodonInstance, account: MastodonAccount) -> dict[str, Any]:
        """A Mastodon Account entity (as seen without authentication)."""
        base = self.mastodon_url(inst.name)
        mine = self.statuses(inst.name, account=account.username)
        return {
            "id": account.id,
            "username": account.username,
            "acct": account.username,
            "display_name": account.display_name,
            "locked": False,
            "bot": False,
            "discoverable": True,
            "group": False,
            "created_at": iso_ms(account.created_at),
            "note": account.note,
            "url": f"{base}/@{account.username}",
            "uri": f"{base}/users/{account.username}",
            "avatar": f"{base}/avatars/original/missing.png",
            "avatar_static": f"{base}/avatars/original/missing.png",
            "header": f"{base}/headers/original/missing.png",
            "header_static": f"{base}/headers/original/missing.png",
            "followers_count": 12 + len(account.username),
            "following_count": 3,
            "statuses_count": len(mine),
            "last_status_at": mine[-1].created_at.date().isoformat() if mine else None,
            "emojis": [],
            "fields": [],
        }

    def status_json(self, inst: MastodonInstance, status: MastodonStatus) -> dict[str, Any]:
        """A Mastodon Status entity."""
        base = self.mastodon_url(inst.name)
        account = inst.accounts[status.account]
        return {
            "id": str(status.id),
            "created_at": iso_ms(status.created_at),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": status.sensitive,
            "spoiler_text": status.spoiler_text,
            "visibility": "public",
            "language": status.language,
            "uri": f"{base}/users/{account.username}/statuses/{status.id}",
            "url": f"{base}/@{account.username}/{status.id}",
            "replies_count": status.replies_count,
            "reblogs_count": status.reblogs_count,
            "favourites_count": status.favourites_count,
            "edited_at": None,
            "content": status.content,
            "reblog": None,
            "account": self.account_json(inst, account),
            "media_attachments": [],
            "mentions": [],
            "tags": [{"name": t, "url": f"{base}/tags/{t}"} for t in status.tags],
            "emojis": [],
            "card": None,
            "poll": None,
        }

    def feed_item_json(self, actor: BskyActor, item: BskyFeedItem) -> dict[str, Any]:
        """An app.bsky.feed.defs#feedViewPost in ``actor``'s author feed."""
        entry: dict[str, Any] = {"post": self.post_json(item.post)}
        if item.reposted_at is not None:
            entry["reason"] = {
                "$type": "app.bsky.feed.defs#reasonRepost",
                "by": self.profile_json(actor),
                "indexedAt": iso_ms(item.reposted_at),
            }
        return entry

    def profile_json(self, actor: BskyActor) -> dict[str, Any]:
        """An app.bsky.actor.defs#profileViewBasic."""
        return {
            "did": actor.did,
            "handle": actor.handle,
            "displayName": actor.display_name,
            "avatar": f"{self.base_url}/bsky/img/avatar/plain/{actor.did}/avatar@jpeg",
            "labels": [],
            "createdAt": iso_ms(actor.created_at),
        }

    def post_json(self, post: BskyPost) -> dict[str, Any]:
        """An app.bsky.feed.defs#postView."""
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "createdAt": iso_ms(post.created_at),
            "langs": post.langs,
            "text": post.text,
        }
        if post.facets:
            record["facets"] = post.facets
        return {
            "uri": post.uri,
            "cid": post.cid,
            "author": self.profile_json(post.author),
            "record": record,
            "replyCount": post.reply_count,
            "repostCount": post.repost_count,
            "likeCount": post.like_count,
            "quoteCount": 0,
            "indexedAt": iso_ms(post.indexed_at),
            "labels": [],
        }

    # -- runtime additions ----------------------------------------------------------

    def _tick(self) -> datetime:
        """A time after everything so far: new items always sort newest."""
        with self.lock:
            self._latest += timedelta(minutes=1)
            return self._latest

    def add_status(
        self,
        instance: str,
        text_html: str,
        tags: tuple[str, ...] = ("hiring",),
        account: str = "recruiter_demo",
    ) -> dict[str, Any]:
        """Appends a public status (content is HTML, used as is); returns its Status
        JSON, exactly as the timelines will serve it (``["id"]`` is a numeric string)."""
        with self.lock:
            inst = self.mastodon[instance]
            if account not in inst.accounts:
                self._add_account(inst, account, account.replace("_", " ").title())
            when = self._tick()
            status = MastodonStatus(
                id=snowflake(when, len(inst.statuses)),
                created_at=when,
                account=account,
                content=text_html,
                language="en",
                tags=tuple(t.lower() for t in tags),
            )
            inst.statuses.append(status)
            return self.status_json(inst, status)

    def add_bluesky_post(self, actor: str, text: str) -> dict[str, Any]:
        """Appends a post by ``actor`` (handle or DID) at the top of its author feed;
        returns its postView JSON."""
        with self.lock:
            found = self.bsky_actor(actor)
            if found is None:
                raise KeyError(f"unknown Bluesky actor {actor!r}")
            when = self._tick()
            post = self._bsky_post(found, text, when, ["en"], random.Random(text))
            self.bsky_feeds[found.did].append(BskyFeedItem(post))
            return self.post_json(post)

    def add_telegram_post(self, channel: str, text_html: str) -> dict[str, Any]:
        """Appends a post (inner HTML of the message text) with the next message id;
        returns {id, channel, html, date, url} (the page itself is HTML, not JSON)."""
        with self.lock:
            chan = self.telegram[channel]
            next_id = chan.posts[-1].id + 1 if chan.posts else 1
            post = TelegramPost(next_id, channel, text_html, self._tick(), views=0)
            chan.posts.append(post)
            return {
                "id": post.id,
                "channel": channel,
                "html": post.html,
                "date": post.date.isoformat(),
                "url": f"https://t.me/{channel}/{post.id}",
            }

    # -- building -------------------------------------------------------------------

    def _add_account(
        self, inst: MastodonInstance, username: str, display_name: str, note: str = ""
    ) -> MastodonAccount:
        self._account_seq += 1
        account = MastodonAccount(
            id=str(109_500_000_000_000_000 + self._account_seq * 1_000_003),
            username=username,
            display_name=display_name,
            note=note or "<p>Fictional demo account for Lantern tests.</p>",
            created_at=datetime(2026, 1, 5 + self._account_seq % 20, tzinfo=UTC),
        )
        inst.accounts[username] = account
        return account

    def _build_mastodon(self, rng: random.Random) -> None:
        for name in MASTODON_INSTANCES:
            mode = {"alpha": "normal"}.get(name, name)
            self.mastodon[name] = MastodonInstance(name, mode)
        alpha, broken = self.mastodon["alpha"], self.mastodon["broken"]
        alpha_url = self.mastodon_url("alpha")
        self._add_account(
            alpha,
            "recruiter_demo",
            "Recruiter Demo",
            "<p>Fictional recruiter for tests. Jobs in farms, hotels and factories.</p>",
        )
        others = [
            ("fakename_agency", "Fakename Agency"),
            ("demo_staffing", "Demo Staffing Co"),
            ("campo_ejemplo", "Trabajo Campo Ejemplo"),
            ("jobs_example", "Jobs Example Board"),
        ]
        for username, display in others:
            self._add_account(alpha, username, display)
        self._add_account(self.mastodon["closed"], "recruiter_demo", "Recruiter Demo")
        self._add_account(broken, "recruiter_demo", "Recruiter Demo")

        # alpha: 95 #hiring (one is the cross-post) + 25 others, 50 by recruiter_demo.
        n_hiring, n_total = HIRING_COUNT["alpha"], HIRING_COUNT["alpha"] + ALPHA_OTHER_COUNT
        start = WORLD_END - timedelta(days=30)
        times = _distinct_times(rng, start, WORLD_END - timedelta(hours=1), n_total - 1)
        hiring_flags = [True] * (n_hiring - 1) + [False] * (n_total - n_hiring)
        rng.shuffle(hiring_flags)
        specs: list[tuple[datetime, str, str]] = []  # time, text, lang
        for when, is_hiring in zip(times, hiring_flags, strict=True):
            spanish = rng.random() < 0.3
            if is_hiring:
                text = job_text(rng, rng.random() < 0.55, spanish)
                text += " #hiring #trabajo" if spanish else " #hiring"
            elif rng.random() < 0.6:
                text = job_text(rng, rng.random() < 0.4, spanish) + " #jobs"
            else:
                text, lang = rng.choice(CHATTER)
                spanish = lang == "es"
            specs.append((when, text, "es" if spanish else "en"))
        specs.append((CROSS_POST_AT, CROSS_POST_TEXT, "en"))
        specs.sort(key=lambda s: s[0])
        recruiter = set(rng.sample(range(n_total), RECRUITER_STATUS_COUNT))
        # The third newest #hiring status: on the first page whatever the limit.
        xss_index = [
            i for i, s in enumerate(specs) if "#hiring" in s[1] and s[1] != CROSS_POST_TEXT
        ][-3]
        for i, (when, text, lang) in enumerate(specs):
            account = "recruiter_demo" if i in recruiter else rng.choice(others)[0]
            content = mastodon_html(text, alpha_url)
            if i == xss_index:
                content = self._xss_content(alpha_url)
            alpha.statuses.append(
                MastodonStatus(
                    id=snowflake(when, i),
                    created_at=when,
                    account=account,
                    content=content,
                    language=lang,
                    tags=hashtags(text),
                    replies_count=rng.randrange(0, 4),
                    reblogs_count=rng.randrange(0, 12),
                    favourites_count=rng.randrange(0, 30),
                )
            )
        self._xss_id = str(alpha.statuses[xss_index].id)

        # broken: 60 #hiring; page two of the tag timeline is served truncated (server).
        broken_url = self.mastodon_url("broken")
        n_broken = HIRING_COUNT["broken"]
        times = _distinct_times(rng, start, WORLD_END - timedelta(hours=2), n_broken)
        big_index = n_broken - BROKEN_BIG_POSITION
        for i, when in enumerate(times):
            text = job_text(rng, rng.random() < 0.5, rng.random() < 0.3) + " #hiring"
            content = mastodon_html(text, broken_url)
            if i == big_index:
                content = _big_content(text, broken_url)
            broken.statuses.append(
                MastodonStatus(
                    id=snowflake(when, i),
                    created_at=when,
                    account="recruiter_demo",
                    content=content,
                    language="en",
                    tags=("hiring",),
                )
            )
        self._big_id = str(broken.statuses[big_index].id)

    def _xss_content(self, instance_url: str) -> str:
        # Must come out as text only: no script run, no image fetched, the link kept as text.
        return (
            "<p>Warehouse pickers needed, start Monday! <script>alert(1)</script>"
            f'<img src="{self.base_url}/tracker.png" alt=""> Details at '
            '<a href="https://example.org/jobs/42" rel="nofollow noopener" target="_blank">'
            "example.org/jobs/42</a>. Registration fee $250 paid to the recruiter. "
            "Call (702) 555-0123.<br>"
            f'<a href="{instance_url}/tags/hiring" class="mention hashtag" rel="tag">'
            "#<span>hiring</span></a></p>"
        )

    def _bsky_post(
        self,
        author: BskyActor,
        text: str,
        when: datetime,
        langs: list[str],
        rng: random.Random,
    ) -> BskyPost:
        if len(text) > 300:  # the lexicon's grapheme limit; our fixtures stay under it
            raise ValueError("Bluesky posts are limited to 300 characters")
        return BskyPost(
            rkey=tid(when),
            cid=fake_cid(f"{author.did}|{when.isoformat()}|{text}"),
            author=author,
            text=text,
            created_at=when,
            indexed_at=when + timedelta(milliseconds=rng.randrange(50, 900)),
            langs=langs,
            facets=bsky_facets(text),
            reply_count=rng.randrange(0, 3),
            repost_count=rng.randrange(0, 6),
            like_count=rng.randrange(0, 25),
        )

    def _build_bluesky(self, rng: random.Random) -> None:
        actor = BskyActor(
            fake_did(BSKY_ACTOR), BSKY_ACTOR, "Demo Recruiter", datetime(2026, 2, 1, tzinfo=UTC)
        )
        other = BskyActor(
            fake_did(BSKY_OTHER), BSKY_OTHER, "Fakename Agency", datetime(2026, 3, 1, tzinfo=UTC)
        )
        self.bsky_actors = {actor.did: actor, other.did: other}
        start = WORLD_END - timedelta(days=40)
        times = _distinct_times(rng, start, WORLD_END - timedelta(hours=1), BSKY_POST_COUNT - 1)
        items: list[BskyFeedItem] = []
        for when in times:
            if rng.random() < 0.85:
                spanish = rng.random() < 0.3
                text = job_text(rng, rng.random() < 0.55, spanish) + " #hiring"
                langs = ["es"] if spanish else ["en"]
            else:
                text, lang = rng.choice(CHATTER)
                langs = [lang]
            items.append(BskyFeedItem(self._bsky_post(actor, text, when, langs, rng)))
        cross_at = CROSS_POST_AT + timedelta(minutes=2)
        items.append(BskyFeedItem(self._bsky_post(actor, CROSS_POST_TEXT, cross_at, ["en"], rng)))
        # Two reposts of another fictional account's ads: feed items, not the actor's posts.
        for n in range(BSKY_REPOST_COUNT):
            posted = start + timedelta(days=10 + 12 * n, minutes=7)
            text = job_text(rng, True, n == 1) + " #hiring"
            post = self._bsky_post(other, text, posted, ["es" if n else "en"], rng)
            items.append(BskyFeedItem(post, reposted_at=posted + timedelta(hours=3, seconds=n)))
        items.sort(key=lambda item: item.sort_at)
        self.bsky_feeds = {actor.did: items, other.did: []}

    def _build_telegram(self, rng: random.Random) -> None:
        board = TelegramChannel(TELEGRAM_CHANNEL, "Demo Jobs Board", "public")
        start = WORLD_END - timedelta(days=25)
        times = _distinct_times(rng, start, WORLD_END - timedelta(hours=1), TELEGRAM_POST_COUNT - 1)
        texts: list[tuple[datetime, str]] = []
        for when in times:
            spanish = rng.random() < 0.35
            text = job_text(rng, rng.random() < 0.6, spanish)
            if rng.random() < 0.5:
                text = text.replace(". ", ".\n", 1)  # t.me keeps line breaks as <br/>
            texts.append((when, text + " #hiring"))
        texts.append((CROSS_POST_AT + timedelta(minutes=5), CROSS_POST_TEXT))
        texts.sort(key=lambda t: t[0])
        message_id = 1000
        for when, text in texts:
            message_id += 1 if rng.random() < 0.9 else 2  # deleted posts leave id gaps
            views = rng.randrange(80, 4000)
            board.posts.append(
                TelegramPost(message_id, TELEGRAM_CHANNEL, telegram_html(text), when, views)
            )
        broken = TelegramChannel(TELEGRAM_BROKEN, "Broken Markup (demo)", "broken")
        for n in range(5):
            text = job_text(rng, n % 2 == 0, False)
            broken.posts.append(
                TelegramPost(n + 1, TELEGRAM_BROKEN, telegram_html(text), start + timedelta(days=n))
            )
        private = TelegramChannel(TELEGRAM_PRIVATE, "Private Group (demo)", "private")
        self.telegram = {c.name: c for c in (board, broken, private)}


def _distinct_times(rng: random.Random, start: datetime, end: datetime, n: int) -> list[datetime]:
    """``n`` sorted, distinct, whole-second times in [start, end)."""
    span = int((end - start).total_seconds())
    return [start + timedelta(seconds=s) for s in sorted(rng.sample(range(span), n))]


def _big_content(text: str, instance_url: str) -> str:
    """About 2 MB of HTML: the ad, then the same paragraph until the size is reached."""
    head = mastodon_html(text, instance_url)
    filler = (
        "<p>Terms and conditions: workers agree to the schedule set by the employer, "
        "transport and lodging are arranged by the agency, and all questions go to the "
        "recruiter. This paragraph repeats to make the status very large.</p>"
    )
    repeats = (BIG_CONTENT_BYTES - len(head)) // len(filler) + 1
    return head + filler * repeats
