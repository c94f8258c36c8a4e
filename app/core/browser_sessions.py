"""Browser sessions for the web pages: a signed cookie naming the API key, and a CSRF token.

The cookie is signed (not encrypted) with itsdangerous, the signer behind Starlette's and
Flask's sessions, and carries a timestamp so that it expires. It never holds the API key: only
the key's id, the first characters of the key's stored SHA-256 (so that a forged cookie would
also need the database) and the session's CSRF token. Every request looks the key up again,
so revoking a key ends its web sessions at once.

CSRF protection is the synchronizer-token pattern: a random token lives in the signed session
and every form (or script request) must send it back; a page on another site can neither read
it nor forge the signed cookie. The cookie is also HttpOnly, SameSite=Strict and scoped to
the pages' path, so the JSON API (bearer keys only) never receives it.
"""

import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "heritage_session"
COOKIE_PATH = "/ui"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
KEY_CHECK_CHARS = 16


@dataclass(frozen=True)
class BrowserSession:
    """What a session cookie says: its CSRF token and, once signed in, whose key it is."""

    csrf_token: str
    key_id: int | None = None
    key_check: str | None = None

    @property
    def signed_in(self) -> bool:
        """Whether the session names an API key."""
        return self.key_id is not None


def new_session(*, key_id: int | None = None, key_hash: str | None = None) -> BrowserSession:
    """A fresh session (a new CSRF token, so a token seen before sign-in is useless after it)."""
    return BrowserSession(
        csrf_token=secrets.token_urlsafe(32),
        key_id=key_id,
        key_check=key_check(key_hash) if key_hash else None,
    )


def session_fingerprint(session: BrowserSession) -> str:
    """A name for the session that reveals nothing of its cookie: its CSRF token's SHA-256."""
    return hashlib.sha256(session.csrf_token.encode()).hexdigest()


def key_check(key_hash: str) -> str:
    """The part of a key's stored hash that a session keeps to bind itself to that key."""
    return key_hash[:KEY_CHECK_CHARS]


def csrf_matches(sent: str | None, session: BrowserSession | None) -> bool:
    """Whether a request carries its session's CSRF token (compared in constant time)."""
    if not sent or session is None:
        return False
    return hmac.compare_digest(sent.encode(), session.csrf_token.encode())


class SessionCodec:
    """Signs sessions into cookie values and reads them back, refusing forged or old ones."""

    def __init__(self, secret: str, *, max_age_seconds: int) -> None:
        self.max_age_seconds = max_age_seconds
        self._serializer = URLSafeTimedSerializer(secret, salt="heritage-registry.ui-session")

    def dumps(self, session: BrowserSession) -> str:
        """The signed cookie value of a session."""
        document: dict[str, Any] = {"c": session.csrf_token}
        if session.key_id is not None:
            document |= {"k": session.key_id, "h": session.key_check}
        return self._serializer.dumps(document)

    def loads(self, value: str | None) -> BrowserSession | None:
        """The session a cookie value holds; None when missing, forged, malformed or expired."""
        if not value:
            return None
        try:
            document = self._serializer.loads(value, max_age=self.max_age_seconds)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        if not isinstance(document, dict) or not isinstance(document.get("c"), str):
            return None
        key_id, check = document.get("k"), document.get("h")
        if key_id is not None and (type(key_id) is not int or not isinstance(check, str)):
            return None
        return BrowserSession(csrf_token=document["c"], key_id=key_id, key_check=check)


def read_or_create_secret(path: Path) -> str:
    """The signing secret kept in `path`, made there (readable by the owner only) if missing.

    Several workers may start at once: the secret is written to a temporary file and linked
    into place, which fails for all but the first, so they all end up reading the same one.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".session-secret-")
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48))
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ValueError(f"{path} holds no usable session secret (32 characters at least)")
    return secret
