"""Workspace accounts: who may sign in, with which task-force role, and their sessions.

Roles follow the task force's functions (``roles.yaml`` says what each may do):
*analyst* (search and triage leads, give feedback), *investigator* (cases),
*supervisor* (approve promotions, legal holds, users), *auditor* (the audit trail only).

Passwords are stored as Argon2id hashes (argon2-cffi's defaults, rehashed when those
move on). After ``login_max_failures`` wrong passwords in a row an account is locked
for ``login_lockout_minutes``; every sign-in, refusal and lockout is an audit event.
Sessions live in Elasticsearch under the SHA-256 of their token (the cookie holds the
token), each with its own CSRF token, and end on sign-out, expiry or a role change.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from elasticsearch import ConflictError, Elasticsearch, NotFoundError
from pydantic import Field

from leads.audit import record
from leads.settings import Settings
from leads.store import delete_where
from leads.validation import Strict

Role = Literal["analyst", "investigator", "supervisor", "auditor"]
ROLES_FILE = Path(__file__).with_name("roles.yaml")
MIN_PASSWORD = 12
_hasher = PasswordHasher()


class UserError(ValueError):
    """An account action that cannot be done, said in one line."""


class User(Strict):
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,59}$")
    role: Role
    password_hash: str
    active: bool = True
    failures: int = 0
    locked_until: str | None = None
    created_at: str
    created_by: str
    last_login: str | None = None


class Session(Strict):
    id: str  # SHA-256 of the token
    username: str
    role: Role
    csrf: str
    created_at: str
    expires_at: str


class RolesFile(Strict):
    roles: dict[Role, str]  # what each role is for, in words
    may: dict[str, list[Role]]  # an ability -> the roles that have it


@lru_cache(maxsize=1)
def abilities() -> RolesFile:
    return RolesFile.model_validate(yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8")))


def may(role: str, ability: str) -> bool:
    """Whether ``role`` has ``ability`` (an unknown ability: nobody has it)."""
    return role in abilities().may.get(ability, [])


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def add_user(
    es: Elasticsearch, settings: Settings, username: str, role: Role, password: str, by: str
) -> User:
    check_role(role)
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password has at least {MIN_PASSWORD} characters")
    try:
        user = User(
            username=username,
            role=role,
            password_hash=_hasher.hash(password),
            created_at=_iso(_now()),
            created_by=by,
        )
    except ValueError as exc:
        raise UserError(
            f"{username!r} cannot be a user name: lower-case letters, digits, '._-'"
        ) from exc
    try:
        es.create(
            index=settings.index("users"),
            id=user.username,
            document=user.model_dump(),
            refresh=True,
        )
    except ConflictError:
        raise UserError(f"user {username!r} exists") from None
    record(es, settings, "user.add", target=username, user=by, details={"role": role})
    return user


def get_user(es: Elasticsearch, settings: Settings, username: str) -> User | None:
    with contextlib.suppress(NotFoundError):
        return User.model_validate(es.get(index=settings.index("users"), id=username)["_source"])
    return None


ROLES: tuple[str, ...] = ("analyst", "investigator", "supervisor", "auditor")


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise UserError(f"{role!r} is not a role ({', '.join(ROLES)})")
    return role  # type: ignore[return-value]


def set_password(
    es: Elasticsearch, settings: Settings, username: str, password: str, by: str
) -> None:
    """A new password (and the lock lifted); the user's sessions end."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password has at least {MIN_PASSWORD} characters")
    if get_user(es, settings, username) is None:
        raise UserError(f"no user {username!r}")
    es.update(
        index=settings.index("users"),
        id=username,
        refresh=True,
        doc={"password_hash": _hasher.hash(password), "failures": 0, "locked_until": None},
    )
    end_sessions(es, settings, username)
    record(es, settings, "user.password", target=username, user=by)


def set_role(es: Elasticsearch, settings: Settings, username: str, role: Role, by: str) -> None:
    check_role(role)
    if get_user(es, settings, username) is None:
        raise UserError(f"no user {username!r}")
    es.update(index=settings.index("users"), id=username, doc={"role": role}, refresh=True)
    end_sessions(es, settings, username)  # a new role starts from a new sign-in
    record(es, settings, "user.role", target=username, user=by, details={"role": role})


def set_active(es: Elasticsearch, settings: Settings, username: str, active: bool, by: str) -> None:
    if get_user(es, settings, username) is None:
        raise UserError(f"no user {username!r}")
    es.update(
        index=settings.index("users"),
        id=username,
        refresh=True,
        doc={"active": active, "failures": 0, "locked_until": None},
    )
    if not active:
        end_sessions(es, settings, username)
    record(es, settings, "user.enable" if active else "user.disable", target=username, user=by)


@dataclass
class SignIn:
    user: User | None
    refusal: str | None = None


def sign_in(es: Elasticsearch, settings: Settings, username: str, password: str) -> SignIn:
    """Checks a password. The person is told the same whatever went wrong (no such user,
    wrong password, locked, disabled), and every attempt costs one Argon2 check, so the
    wait tells nothing either; the audit trail has the real reason. An attempt is counted
    before its password is checked (compare-and-set), so parallel guesses cannot get
    more than ``login_max_failures`` checked."""
    now = _now()
    name = username.strip().lower()[:60]
    user = None
    with contextlib.suppress(ValueError):  # a record that no longer validates: refused
        user = get_user(es, settings, name) if name else None
    told = "sign-in refused: wrong user name or password, or the account is locked for a while"
    reason = "no such user"
    if user is not None and not user.active:
        reason = "the account is disabled"
    elif user is not None:
        attempts = _count_attempt(es, settings, user.username, now)
        if attempts is None:
            reason = "the account is locked"
        else:
            try:
                _hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                reason = "wrong password"
                if attempts >= settings.login_max_failures:
                    _lock(es, settings, user.username, now, attempts)
            else:
                update = {"failures": 0, "locked_until": None, "last_login": _iso(now)}
                if _hasher.check_needs_rehash(user.password_hash):
                    update["password_hash"] = _hasher.hash(password)
                es.update(index=settings.index("users"), id=user.username, doc=update, refresh=True)
                record(es, settings, "user.sign-in", target=user.username, user=user.username)
                return SignIn(user)
    if reason != "wrong password":  # the same cost as a real check
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_DUMMY, password)
    record(
        es,
        settings,
        "user.sign-in",
        target=name or None,
        user=name or "-",
        outcome="refused",
        reason=reason,
    )
    return SignIn(None, told)


_DUMMY = _hasher.hash("not a password anyone has")


def _count_attempt(
    es: Elasticsearch, settings: Settings, username: str, now: datetime
) -> int | None:
    """Counts one attempt (compare-and-set, so parallel ones each count) and returns the
    count, or None when the account is locked or the limit is already used up."""
    index = settings.index("users")
    for _ in range(100):
        got = es.get(index=index, id=username)
        source = got["_source"]
        until = source.get("locked_until")
        if until and datetime.fromisoformat(until) > now:
            return None
        attempts = (0 if until else int(source.get("failures") or 0)) + 1
        if attempts > settings.login_max_failures:
            return None
        try:
            es.index(
                index=index,
                id=username,
                refresh=True,
                document={**source, "failures": attempts, "locked_until": None},
                if_seq_no=got["_seq_no"],
                if_primary_term=got["_primary_term"],
            )
            return attempts
        except ConflictError:
            continue
    return None  # too many at once: refused, which is what a flood should get


def _lock(
    es: Elasticsearch, settings: Settings, username: str, now: datetime, attempts: int
) -> None:
    until = _iso(now + timedelta(minutes=settings.login_lockout_minutes))
    es.update(
        index=settings.index("users"),
        id=username,
        refresh=True,
        doc={"failures": 0, "locked_until": until},
    )
    record(
        es,
        settings,
        "user.lockout",
        target=username,
        user=username,
        reason=f"{attempts} wrong passwords in a row",
    )


# Sessions


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session(es: Elasticsearch, settings: Settings, user: User) -> tuple[str, Session]:
    """A new session: the token for the cookie (never stored) and the session."""
    token = secrets.token_urlsafe(32)
    now = _now()
    # Ended sessions go as new ones begin (no separate sweep to forget).
    delete_where(es, settings, "sessions", {"range": {"expires_at": {"lte": _iso(now)}}})
    session = Session(
        id=_token_id(token),
        username=user.username,
        role=user.role,
        csrf=secrets.token_urlsafe(32),
        created_at=_iso(now),
        expires_at=_iso(now + timedelta(hours=settings.session_hours)),
    )
    es.create(
        index=settings.index("sessions"), id=session.id, document=session.model_dump(), refresh=True
    )
    return token, session


def session_of(es: Elasticsearch, settings: Settings, token: str | None) -> Session | None:
    """The live session of a cookie's token, if any (and its user still active)."""
    if not token or len(token) > 100:
        return None
    with contextlib.suppress(NotFoundError):
        found = Session.model_validate(
            es.get(index=settings.index("sessions"), id=_token_id(token))["_source"]
        )
        if datetime.fromisoformat(found.expires_at) <= _now():
            return None
        user = get_user(es, settings, found.username)
        if user is None or not user.active or user.role != found.role:
            return None
        return found
    return None


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf, sent or "")


def end_session(es: Elasticsearch, settings: Settings, token: str) -> None:
    with contextlib.suppress(NotFoundError):
        es.delete(index=settings.index("sessions"), id=_token_id(token), refresh=True)


def end_sessions(es: Elasticsearch, settings: Settings, username: str) -> None:
    delete_where(es, settings, "sessions", {"term": {"username": username}})
