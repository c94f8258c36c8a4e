"""Creating, finding and revoking API keys."""

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import bindparam
from sqlmodel import Session, select

from app.audit import service as audit
from app.audit.read_cache import cached
from app.core.actors import Caller
from app.core.db import get_or_not_found
from app.core.errors import Conflict
from app.core.time import utc_now
from app.keys.models import ApiKey, Role

KEY_PREFIX = "hr_"
# Where keys are stored: a commit that writes it is what ends remembered keys (app.core.auth).
KEY_TABLE = ApiKey.__tablename__


def hash_key(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(*, session: Session, name: str, role: Role, actor: Caller) -> tuple[ApiKey, str]:
    """A new key; the secret is returned once and never stored."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(name=name, role=role, prefix=secret[:10], key_hash=hash_key(secret))
    audit.record_creation(session=session, actor=actor, entity=api_key)
    return api_key, secret


def find_active_key(*, session: Session, secret: str) -> ApiKey | None:
    """The unrevoked key with this secret, if there is one."""
    api_key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(secret))).first()
    if api_key is None or api_key.revoked_at is not None:
        return None
    return api_key


def _caller_of(api_key: ApiKey) -> Caller:
    return Caller(role=Role(api_key.role), key_id=api_key.id, name=api_key.name)


_KEYS = ApiKey.__table__
# A Core statement, built once: a key is looked up after every write (any commit forgets the
# keys a worker knows), and loading the row as an entity cost several times the query.
_HOLDER = select(_KEYS.c.id, _KEYS.c.name, _KEYS.c.role).where(
    _KEYS.c.key_hash == bindparam("key_hash"), _KEYS.c.revoked_at.is_(None)
)


def find_active_caller(*, session: Session, secret: str) -> Caller | None:
    """Who holds this unrevoked key; remembered by its hash until the next write, so a
    revocation counts from the request after it commits, in every worker."""

    def look_up() -> Caller | None:
        holder = session.connection().execute(_HOLDER, {"key_hash": hash_key(secret)}).first()
        if holder is None:
            return None
        return Caller(role=Role(holder.role), key_id=holder.id, name=holder.name)

    return cached(session, ("caller", hash_key(secret)), look_up)


def active_callers(*, session: Session, limit: int) -> list[tuple[str, Caller]]:
    """The holders of unrevoked keys by their keys' hashes, newest keys first (a server
    remembers them at start-up: `app.core.auth.remember_active_keys`)."""
    query = (
        select(ApiKey).where(ApiKey.revoked_at.is_(None)).order_by(ApiKey.id.desc()).limit(limit)
    )
    return [(api_key.key_hash, _caller_of(api_key)) for api_key in session.exec(query)]


def find_active_key_by_id(*, session: Session, key_id: int) -> ApiKey | None:
    """The unrevoked key with this id, if there is one (web sessions name keys by id)."""
    api_key = session.get(ApiKey, key_id)
    if api_key is None or api_key.revoked_at is not None:
        return None
    return api_key


def list_keys(*, session: Session) -> Sequence[ApiKey]:
    """Every key, oldest first, revoked ones included."""
    return session.exec(select(ApiKey).order_by(ApiKey.id)).all()


def revoke_key(*, session: Session, key_id: int, actor: Caller) -> ApiKey:
    """Revoke a key for good; its secret stops working at once."""
    api_key = get_or_not_found(session, ApiKey, key_id, "API key")
    if api_key.revoked_at is not None:
        raise Conflict(f"API key {key_id} was already revoked at {api_key.revoked_at}.")
    before = audit.snapshot(api_key)
    api_key.revoked_at = utc_now()
    session.add(api_key)
    session.flush()
    audit.record_write(session=session, actor=actor, action="revoke", entity=api_key, before=before)
    return api_key
