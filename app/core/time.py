"""UTC time helpers: every stored time is timezone-aware UTC."""

import inspect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


# The default of every `*_at` field: pydantic inspects a default factory's signature each time
# it makes a default (to see whether it takes the validated data); given once, it is read.
utc_now.__signature__ = inspect.signature(utc_now)  # type: ignore[attr-defined]


def today_utc() -> date:
    """Today's date in UTC (the registry's calendar)."""
    return utc_now().date()


def as_utc(moment: datetime) -> datetime:
    """A datetime in UTC; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The first instant after `day` (UTC): what was recorded on that day came before it."""
    try:
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    except OverflowError:  # 9999-12-31: nothing is recorded after it anyway
        return datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TimeAxes:
    """The two times the registry can be read at.

    `as_of` is the date a condition held: every record verified now is judged, by when
    things were observed (None: today). `known_at` is the registry as it knew things at an
    instant: only records entered and verified by then count (None: now). A date for
    `known_at` means the end of that day (UTC).
    """

    as_of: date | None = None
    known_at: date | datetime | None = None

    @property
    def known_by(self) -> datetime | None:
        """The first instant after `known_at`: records entered before it were known."""
        if self.known_at is None:
            return None
        if isinstance(self.known_at, datetime):
            return as_utc(self.known_at) + timedelta(microseconds=1)
        return end_of_day(self.known_at)


NOW = TimeAxes()
