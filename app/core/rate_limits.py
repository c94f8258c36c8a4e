"""Rate limits per client address: anonymous readers, and callers that fail to authenticate.

Failed authentications are counted per address *and* presented key prefix (the key's first
characters, which `keys list` shows): a field team's valid key is not refused because
someone behind the same satellite uplink mistyped or guessed other keys, while guessing any
one key stays throttled. A guess that does not start with an existing key's prefix cannot
succeed whatever its rest, so nothing is lost by not counting such guesses together.

Counting is done by the `limits` library (moving windows, the same storage backends as
Flask-Limiter and slowapi). slowapi itself is built around per-route decorators and its own
429 handler; here the two limits hang off authentication (app.core.auth), which every API
route already goes through, and refusals are problem+json like every other error.

With the default `memory://` storage each worker process counts on its own, so with N
workers a client may get up to N times the limit; point `HERITAGE_RATE_LIMIT_STORAGE_URI`
at a shared store (redis://…) for one count across workers and machines.
"""

import math
import threading
import time
from collections.abc import Callable, Sequence

from cachetools import TTLCache
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.core.config import Settings
from app.core.errors import TooManyRequests

RECENT_FAILURE_ADDRESSES = 65_536
# As many characters as a key's stored prefix (app.keys: "hr_" and 7 more).
KEY_PREFIX_CHARS = 10


def _prefix_of(presented_key: str) -> str:
    # Hex, so that whatever a client sends makes a plain storage key (no separators).
    return presented_key[:KEY_PREFIX_CHARS].encode("utf-8", "replace").hex()


class RateLimits:
    """The registry's two limits, counted per client address."""

    def __init__(
        self,
        *,
        anonymous: str | None,
        failed_auth: str | None,
        storage_uri: str,
        anonymous_reports: str | None = None,
    ) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self.anonymous: list[RateLimitItem] = parse_many(anonymous) if anonymous else []
        self.failed_auth: list[RateLimitItem] = parse_many(failed_auth) if failed_auth else []
        self.anonymous_reports: list[RateLimitItem] = (
            parse_many(anonymous_reports) if anonymous_reports else []
        )
        # Addresses with a failed authentication within the longest window, when this process
        # counts alone (memory storage): the others cannot be locked out, so a valid key from
        # them is not checked against the store on every request. Full means "ask the store".
        self._recent_failures: TTLCache[str, bool] | None = None
        if self.failed_auth and storage_uri.startswith("memory"):
            longest = max(item.get_expiry() for item in self.failed_auth)
            self._recent_failures = TTLCache(maxsize=RECENT_FAILURE_ADDRESSES, ttl=longest)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimits":
        """The limits the settings configure."""
        return cls(
            anonymous=settings.rate_limit_anonymous,
            failed_auth=settings.rate_limit_failed_auth,
            storage_uri=settings.rate_limit_storage_uri,
            anonymous_reports=settings.rate_limit_anonymous_reports,
        )

    def count_anonymous_request(self, client: str) -> None:
        """Count one anonymous request; `TooManyRequests` once the address is over its limit."""
        self._count(
            self.anonymous,
            ("anonymous", client),
            lambda item: (
                f"Too many requests without an API key from your address (limit {item}). "
                "Wait, or ask the registry for a partner key."
            ),
        )

    def count_anonymous_report(self, client: str) -> None:
        """Count one printable or PDF report rendered for an anonymous address."""
        self._count(
            self.anonymous_reports,
            ("anonymous-report", client),
            lambda item: (
                "Too many printable or PDF reports without an API key from your "
                f"address (limit {item}); the JSON and CSV reports are not limited so, or use a "
                "partner key."
            ),
        )

    def refuse_locked_out(self, client: str, presented_key: str) -> None:
        """`TooManyRequests` while the address has used up its failed authentications with
        keys that start like `presented_key`."""
        if self._recent_failures is not None:
            with self._lock:
                # `currsize` counts expired entries not yet dropped too (`len` drops them
                # first, on every keyed request): it can only send more requests to the test.
                if (
                    client not in self._recent_failures
                    and self._recent_failures.currsize < RECENT_FAILURE_ADDRESSES
                ):
                    return
        identifiers = ("failed-auth", client, _prefix_of(presented_key))
        for item in self.failed_auth:
            if not self.limiter.test(item, *identifiers):
                raise self._refusal(
                    item,
                    identifiers,
                    f"Too many failed authentications from your address with keys starting "
                    f"like this one (limit {item}); check the key and wait before trying again.",
                )

    def count_failed_authentication(self, client: str, presented_key: str) -> None:
        """Remember one failed authentication from the address with this key's prefix."""
        if self._recent_failures is not None:
            with self._lock:
                self._recent_failures[client] = True
        for item in self.failed_auth:
            self.limiter.hit(item, "failed-auth", client, _prefix_of(presented_key))

    def _count(
        self,
        items: Sequence[RateLimitItem],
        identifiers: tuple[str, ...],
        detail: Callable[[RateLimitItem], str],
    ) -> None:
        # One request against each limit (per minute, per hour…): refused at the first it
        # goes over, with `detail` naming that limit.
        for item in items:
            if not self.limiter.hit(item, *identifiers):
                raise self._refusal(item, identifiers, detail(item))

    def _refusal(
        self, item: RateLimitItem, identifiers: tuple[str, ...], detail: str
    ) -> TooManyRequests:
        stats = self.limiter.get_window_stats(item, *identifiers)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        return TooManyRequests(detail, headers={"Retry-After": str(wait)})
