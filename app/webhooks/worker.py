"""The webhook worker: claims due deliveries, sends them signed, records what happened.

Run by `heritage-registry worker`. Any number of workers may run, on any machine that
reaches the database: each claims one delivery at a time (see `service.claim_next`).
Deliveries are signed per the Standard Webhooks specification with the `standardwebhooks`
library: `webhook-id`, `webhook-timestamp` and `webhook-signature` headers.
"""

import functools
import http.client
import logging
import math
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from standardwebhooks.webhooks import Webhook

from app.core.config import Settings
from app.core.db import Database
from app.core.time import utc_now
from app.webhooks import receivers, service
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


def _checked(connection_class: type, allowed_hosts: tuple[str, ...]) -> Callable[..., Any]:
    """Connections of `connection_class` whose socket goes only to checked addresses."""

    def connection(host: str, **options: Any) -> http.client.HTTPConnection:
        made = connection_class(host, **options)
        made._create_connection = functools.partial(
            receivers.connect_checked, allowed_hosts=allowed_hosts
        )
        return made

    return connection


class _CheckedHTTP(urllib.request.HTTPHandler):
    def __init__(self, allowed_hosts: tuple[str, ...]) -> None:
        super().__init__()
        self.allowed_hosts = allowed_hosts

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_checked(http.client.HTTPConnection, self.allowed_hosts), req)


class _CheckedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, allowed_hosts: tuple[str, ...]) -> None:
        super().__init__()
        self.allowed_hosts = allowed_hosts

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = _checked(http.client.HTTPSConnection, self.allowed_hosts)
        return self.do_open(connection, req, context=self._context)


@functools.lru_cache(maxsize=8)
def _opener(allowed_hosts: tuple[str, ...]) -> urllib.request.OpenerDirector:
    # No proxy from the environment: the addresses checked must be the ones connected to.
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _CheckedHTTP(allowed_hosts),
        _CheckedHTTPS(allowed_hosts),
        _RefuseRedirects,
    )


# What the delivery log says of a failure: fixed phrases, never what a receiver (or whatever
# answered at its address) sent back, so the log cannot be used to read other services.
NO_ANSWER = "no answer: the connection failed or timed out"
TLS_FAILED = "the TLS handshake or certificate check failed"


def send(
    claim: service.Claim, *, timeout: float, allowed_hosts: Iterable[str] = ()
) -> service.Outcome:
    """POST one delivery; any 2xx is success, anything else (or no answer) a failure."""
    request = urllib.request.Request(  # noqa: S310  (the URL was checked to be http(s))
        claim.url,
        data=claim.payload.encode("utf-8"),
        headers=signed_headers(claim, at=utc_now()),
        method="POST",
    )
    try:
        with _opener(tuple(sorted(allowed_hosts))).open(request, timeout=timeout) as response:
            return service.Outcome(status_code=response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return service.Outcome(status_code=error.code, error=f"HTTP {error.code}")
    except urllib.error.URLError as error:
        if isinstance(error.reason, receivers.ReceiverRefused):
            return service.Outcome(status_code=None, error=error.reason.reason)
        return _failure(error.reason)
    except (http.client.HTTPException, OSError, ValueError) as error:
        return _failure(error)


def _failure(error: object) -> service.Outcome:
    if isinstance(error, receivers.ReceiverRefused):
        return service.Outcome(status_code=None, error=error.reason)
    # The operators' log gets the kind of failure; the delivery log a fixed phrase.
    log.info("webhook delivery failed: %s", type(error).__name__)
    reason = TLS_FAILED if isinstance(error, ssl.SSLError) else NO_ANSWER
    return service.Outcome(status_code=None, error=reason)


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
    outcome = send(
        claim,
        timeout=settings.webhook_timeout_seconds,
        allowed_hosts=settings.webhook_allowed_hosts,
    )
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
