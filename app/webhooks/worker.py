"""The webhook worker: claims due deliveries, sends them signed, records what happened.

Run by `heritage-registry worker`. Any number of workers may run, on any machine that
reaches the database: each claims one delivery at a time (see `service.claim_next`).
Deliveries are signed per the Standard Webhooks specification with the `standardwebhooks`
library: `webhook-id`, `webhook-timestamp` and `webhook-signature` headers.
"""

import http.client
import logging
import math
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from standardwebhooks.webhooks import Webhook

from app.core.config import Settings
from app.core.db import Database
from app.core.time import utc_now
from app.webhooks import service
from app.webhooks.models import DeliveryStatus

log = logging.getLogger(__name__)

USER_AGENT = "heritage-registry-webhooks/0.1"


def signed_headers(claim: service.Claim, *, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt (a fresh timestamp and signature)."""
    msg_id = service.message_id(claim.delivery_id)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": Webhook(claim.secret).sign(msg_id, at, claim.payload),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect is answered as a failure: re-sending a signed POST elsewhere is not ours
    # to decide, and the admin should correct the subscription's URL instead.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_RefuseRedirects)


def send(claim: service.Claim, *, timeout: float) -> service.Outcome:
    """POST one delivery; any 2xx is success, anything else (or no answer) a failure."""
    request = urllib.request.Request(  # noqa: S310  (the URL was checked to be http(s))
        claim.url,
        data=claim.payload.encode("utf-8"),
        headers=signed_headers(claim, at=utc_now()),
        method="POST",
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return service.Outcome(status_code=response.status)
    except urllib.error.HTTPError as error:
        excerpt = error.read(200).decode("utf-8", errors="replace").strip()
        reason = f"HTTP {error.code}" + (f": {excerpt}" if excerpt else "")
        return service.Outcome(status_code=error.code, error=reason)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        return service.Outcome(status_code=None, error=f"{type(error).__name__}: {reason}")


@dataclass
class WorkerStats:
    """What a worker has done since it started."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    lapsed: int = 0


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt and what was recorded for it."""

    claim: service.Claim
    outcome: service.Outcome
    # None when the claim had lapsed (another worker took the delivery over meanwhile).
    status: DeliveryStatus | None


def deliver_next(*, database: Database, settings: Settings) -> Attempt | None:
    """Claim, send and record one due delivery; None when none was due."""
    with database.session(write=False) as session:
        if not service.any_due(session=session, now=utc_now()):
            return None
    with database.session(write=True) as session:
        claim = service.claim_next(
            session=session, now=utc_now(), lease_seconds=settings.webhook_lease_seconds
        )
    if claim is None:
        return None
    outcome = send(claim, timeout=settings.webhook_timeout_seconds)
    policy = service.RetryPolicy(
        max_attempts=settings.webhook_max_attempts,
        base_seconds=settings.webhook_retry_base_seconds,
        max_seconds=settings.webhook_retry_max_seconds,
    )
    with database.session(write=True) as session:
        status = service.record_outcome(
            session=session, claim=claim, outcome=outcome, now=utc_now(), policy=policy
        )
    log.info(
        "delivery %s attempt %s to %s: %s (%s)",
        claim.delivery_id,
        claim.attempt,
        claim.url,
        outcome.status_code or "no answer",
        status or "claim lapsed",
    )
    return Attempt(claim=claim, outcome=outcome, status=status)


def run(
    *,
    database: Database,
    settings: Settings,
    once: bool = False,
    stop: threading.Event | None = None,
) -> WorkerStats:
    """Deliver until `stop` is set; with `once`, until nothing is due any more."""
    stop = stop or threading.Event()
    stats = WorkerStats()
    while not stop.is_set():
        try:
            attempt = deliver_next(database=database, settings=settings)
        except SQLAlchemyError:
            # The database went away or refused: keep the worker alive and try again later;
            # a claim made before the failure is retried when its lease runs out.
            log.exception("webhook worker: database error; retrying shortly")
            stop.wait(settings.worker_poll_seconds)
            continue
        if attempt is None:
            if once:
                break
            stop.wait(settings.worker_poll_seconds)
            continue
        status = attempt.status
        if status == DeliveryStatus.delivered:
            stats.delivered += 1
        elif status == DeliveryStatus.pending:
            stats.retrying += 1
        elif status == DeliveryStatus.failed:
            stats.failed += 1
        else:
            stats.lapsed += 1
    return stats
