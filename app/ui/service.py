"""What the web pages keep of their own: web sessions signed out before their cookies
expired."""

from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, select

from app.core.browser_sessions import BrowserSession, session_fingerprint
from app.core.time import utc_now
from app.ui.models import EndedSession


def end_session(*, session: Session, browser: BrowserSession, max_age_seconds: int) -> None:
    """Remember that this web session was signed out, so no copy of its cookie works again;
    sessions whose cookies have expired anyway are forgotten."""
    now = utc_now()
    session.execute(delete(EndedSession).where(EndedSession.expires_at < now))
    fingerprint = session_fingerprint(browser)
    if session.exec(
        select(EndedSession.id).where(EndedSession.session_hash == fingerprint)
    ).first():
        return
    # The cookie was signed at most max_age ago, so it is worthless past this.
    expires_at = now + timedelta(seconds=max_age_seconds)
    session.add(EndedSession(session_hash=fingerprint, ended_at=now, expires_at=expires_at))
    session.flush()


def session_ended(*, session: Session, browser: BrowserSession) -> bool:
    """Whether this web session was signed out."""
    fingerprint = session_fingerprint(browser)
    ended = select(EndedSession.id).where(EndedSession.session_hash == fingerprint)
    return session.exec(ended).first() is not None
