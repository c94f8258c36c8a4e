"""Rate limits per client address: anonymous readers, and callers that fail to authenticate.

Counting is done by the `limits` library (moving windows, the same storage backends as
Flask-Limiter and slowapi). slowapi itself is built around per-route decorators and its own
429 handler; here the two limits hang off authentication (app.core.auth), which every API
route already goes through, and refusals are problem+json like every other error.

With the default `memory://` storage each worker process counts on its own, so with N
workers a client may get up to N times the limit; point `HERITAGE_RATE_LIMIT_STORAGE_URI`
at a shared store (redis://…) for one count across workers and machines.
"""

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.core.config import Settings
from app.core.errors import TooManyRequests


class RateLimits:
    """The registry's two limits, counted per client address."""

    def __init__(self, *, anonymous: str | None, failed_auth: str | None, storage_uri: str) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self.anonymous: list[RateLimitItem] = parse_many(anonymous) if anonymous else []
        self.failed_auth: list[RateLimitItem] = parse_many(failed_auth) if failed_auth else []

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimits":
        """The limits the settings configure."""
        return cls(
            anonymous=settings.rate_limit_anonymous,
            failed_auth=settings.rate_limit_failed_auth,
            storage_uri=settings.rate_limit_storage_uri,
        )

    def count_anonymous_request(self, client: str) -> None:
        """Count one anonymous request; `TooManyRequests` once the address is over its limit."""
        for item in self.anonymous:
            if not self.limiter.hit(item, "anonymous", client):
                raise self._refusal(
                    item,
                    ("anonymous", client),
                    f"Too many requests without an API key from your address (limit {item}). "
                    "Wait, or ask the registry for a partner key.",
                )

    def refuse_locked_out(self, client: str) -> None:
        """`TooManyRequests` while the address has used up its failed authentications."""
        for item in self.failed_auth:
            if not self.limiter.test(item, "failed-auth", client):
                raise self._refusal(
                    item,
                    ("failed-auth", client),
                    f"Too many failed authentications from your address (limit {item}); "
                    "check the key and wait before trying again.",
                )

    def count_failed_authentication(self, client: str) -> None:
        """Remember one failed authentication from the address."""
        for item in self.failed_auth:
            self.limiter.hit(item, "failed-auth", client)

    def _refusal(
        self, item: RateLimitItem, identifiers: tuple[str, str], detail: str
    ) -> TooManyRequests:
        stats = self.limiter.get_window_stats(item, *identifiers)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        return TooManyRequests(detail, headers={"Retry-After": str(wait)})
