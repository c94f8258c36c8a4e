"""UTC time helpers: every stored time is timezone-aware UTC."""

from datetime import UTC, date, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def today_utc() -> date:
    """Today's date in UTC (the registry's calendar)."""
    return utc_now().date()


def as_utc(moment: datetime) -> datetime:
    """A datetime in UTC; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
