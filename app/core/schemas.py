"""Field types and base models shared by every domain's request and response schemas."""

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

import pycountry
from fastapi import Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    model_validator,
)

from app.core.time import as_utc, today_utc


def is_noncharacter(char: str) -> bool:
    """Whether Unicode reserves this code point never to be a character (U+FDD0–U+FDEF,
    and the last two of every plane, such as U+FFFE and U+FFFF): XML 1.0 refuses the plane-0
    ones, so one in a name would make every OAI-PMH response carrying it unparseable."""
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


# What the text validators refuse, declared in the OpenAPI document as `pattern` so that
# clients and fuzzers know (documentation only: the validators below give the messages):
# the control characters (Unicode's category Cc) and the noncharacters of plane 0.
# Python `re` syntax, as Schemathesis and most validators read it. Control characters
# corrupt exports and PostgreSQL refuses NUL outright; line breaks and tabs are fine in long
# text, never in names.
_REFUSED = "\\x00-\\x1f\\x7f-\\x9f\\ufdd0-\\ufdef\\ufffe\\uffff"
_REFUSED_IN_LONG_TEXT = _REFUSED.replace("\\x00-\\x1f", "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f")
# Refused as well, where no JSON string can carry them or the pattern does not say: the
# surrogates (Cs) and the noncharacters of the other 16 planes.
_REFUSED_BEYOND_PLANE_0 = "\\ud800-\\udfff" + "".join(
    chr(plane | 0xFFFE) + chr(plane | 0xFFFF) for plane in range(0x10000, 0x110000, 0x10000)
)


def _no_controls(refused: str) -> Any:
    """The check of a text field: none of the characters `refused` (`_REFUSED` or
    `_REFUSED_IN_LONG_TEXT`, as the document states them) nor those beyond plane 0."""
    # One regular expression scans the text in C: every text field of every body goes
    # through here, and a loop over its characters in Python cost more than the rest of
    # the validation.
    forbidden = re.compile(f"[{refused}{_REFUSED_BEYOND_PLANE_0}]")

    def check(value: str) -> str:
        # Printable text (most) has none of them: Cc, Cs and noncharacters are not printable.
        if value.isprintable():
            return value
        if (found := forbidden.search(value)) is not None:
            char = found.group()
            kind = "noncharacters" if is_noncharacter(char) else "control characters"
            raise ValueError(f"must not contain {kind} (found U+{ord(char):04X})")
        return value

    return check


def _not_blank(value: str) -> str:
    # Keep the text exactly as given (no Unicode normalisation: combining marks and
    # right-to-left names must round-trip byte for byte), only trim outer white space.
    value = value.strip()
    if not value:
        raise ValueError("must not be empty or only white space")
    return value


def _country_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as 'SY'")
    return code


# The patterns the document declares for text, from what the validators refuse.
_NO_CONTROLS = f"^[^{_REFUSED}]*$"
_NO_CONTROLS_BUT_BREAKS = f"^[^{_REFUSED_IN_LONG_TEXT}]*$"
# Not only white space, and no control character.
_NOT_BLANK = f"^\\s*[^\\s{_REFUSED}][^{_REFUSED}]*$"


def documented_pattern(pattern: str) -> Any:
    """A `pattern` in the JSON Schema only (the value is checked by a validator)."""
    return Field(json_schema_extra={"pattern": pattern})


Name = Annotated[
    str,
    Field(min_length=1, max_length=300),
    documented_pattern(_NOT_BLANK),
    AfterValidator(_not_blank),
    AfterValidator(_no_controls(_REFUSED)),
]
ShortText = Annotated[
    str,
    Field(max_length=500),
    documented_pattern(_NO_CONTROLS),
    AfterValidator(_no_controls(_REFUSED)),
]
LongText = Annotated[
    str,
    Field(max_length=20_000),
    documented_pattern(_NO_CONTROLS_BUT_BREAKS),
    AfterValidator(_no_controls(_REFUSED_IN_LONG_TEXT)),
]
Citation = Annotated[
    str,
    Field(min_length=1, max_length=2000, description="A citation or URL of the evidence."),
    documented_pattern(_NOT_BLANK),
    AfterValidator(_not_blank),
    AfterValidator(_no_controls(_REFUSED)),
]
# Free text in a query string (a search, a filter): PostgreSQL refuses NUL in any string and
# no control character belongs in one, so they are a 422 here rather than a database error.
QueryText = AfterValidator(_no_controls(_REFUSED))
# The OpenAPI document declares the same for every text query parameter (app.core.openapi).
QUERY_TEXT_PATTERN = _NO_CONTROLS


def _representable_in_utc(moment: datetime) -> datetime:
    try:
        return as_utc(moment)
    except OverflowError:
        # 9999-12-31T23:59-01:00 is a valid ISO 8601 time that no UTC datetime can hold.
        raise ValueError("is outside the range of times that can be expressed in UTC") from None


def _written_moment(value: Any) -> Any:
    # Pydantic reads a number as a Unix time; a moment is written in ISO 8601.
    if isinstance(value, int | float):  # bool is an int
        raise ValueError("must be written as an ISO 8601 date-time, not as a number")
    return value


# A moment sent by a client, converted to UTC (naive values are taken to be UTC already).
UtcMoment = Annotated[
    datetime, BeforeValidator(_written_moment), AfterValidator(_representable_in_utc)
]

COUNTRY_CODES = sorted(country.alpha_2 for country in pycountry.countries)
CountryCode = Annotated[
    str,
    Field(examples=["SY"], json_schema_extra={"enum": COUNTRY_CODES}),
    AfterValidator(_country_code),
]
# A JSON body is read as its schema says: where the OpenAPI document says integer, number or
# boolean, `"38.2"`, `false` for a number or `0` for false are refused, not coerced by
# pydantic's lax mode. Text inputs (CSV cells, YAML records, form fields, tus metadata) are
# validated by the same models with `TEXT_INPUT`, which reads "38.2" and "true" as before.
# Strict numbers still take an integer where the schema says number, as JSON Schema does.
Flag = Annotated[bool, Strict()]
Integer = Annotated[int, Strict()]
Number = Annotated[float, Strict()]
# `model.model_validate(values, **TEXT_INPUT)`: values that arrive as text.
TEXT_INPUT: dict[str, Any] = {"strict": False}

Latitude = Annotated[Number, Field(ge=-90, le=90, allow_inf_nan=False, examples=[34.5474])]
Longitude = Annotated[Number, Field(ge=-180, le=180, allow_inf_nan=False, examples=[38.2740])]
# A row id a body refers to (PostgreSQL's integer).
RowId = Annotated[Integer, Field(ge=1, le=2**31 - 1)]


EARLIEST_DATE = date(1800, 1, 1)


def _not_future_day(day: date) -> date:
    if day > today_utc():
        raise ValueError(f"must not be in the future (today is {today_utc().isoformat()} UTC)")
    if day < EARLIEST_DATE:
        raise ValueError(f"must be on or after {EARLIEST_DATE.isoformat()}")
    return day


def _digits_between(low: str, high: str) -> str:
    """A regular expression for the numbers low..high written with as many digits."""
    if low == high:
        return low
    width = len(low)
    if low == "0" * width and high == "9" * width:
        return f"[0-9]{{{width}}}" if width > 1 else "[0-9]"
    if width == 1:
        return f"[{low}-{high}]"
    if low[0] == high[0]:
        return f"{low[0]}({_digits_between(low[1:], high[1:])})"
    rest = width - 1
    parts = [f"{low[0]}({_digits_between(low[1:], '9' * rest)})"]
    if int(high[0]) - int(low[0]) > 1:
        parts.append(f"[{int(low[0]) + 1}-{int(high[0]) - 1}][0-9]{{{rest}}}")
    parts.append(f"{high[0]}({_digits_between('0' * rest, high[1:])})")
    return "|".join(parts)


def days_until_today(first: date) -> str:
    """A `pattern` for the days YYYY-MM-DD from `first` (a 1 January) to today, UTC: the
    bounds of a past date that JSON Schema's `format: date` cannot state. The document is
    built once, so a server running past midnight states one day fewer than it accepts."""
    today = today_utc()
    day = "(0[1-9]|[12][0-9]|3[01])"
    years = _digits_between(f"{first.year:04d}", f"{today.year - 1:04d}")
    options = [f"({years})-(0[1-9]|1[0-2])-{day}"]
    if today.month > 1:
        options.append(f"{today.year}-({_digits_between('01', f'{today.month - 1:02d}')})-{day}")
    options.append(f"{today.year}-{today.month:02d}-({_digits_between('01', f'{today.day:02d}')})")
    return "^(" + "|".join(options) + ")$"


def _past_day_pattern(schema: dict[str, Any]) -> None:
    schema["pattern"] = days_until_today(EARLIEST_DATE)


# A time of day with an offset at or east of UTC: a date-time of today west of UTC may
# already be tomorrow in UTC, which the server refuses as a future day.
_HOUR_MINUTE = "([01][0-9]|2[0-3]):[0-5][0-9]"
_TIME_OF_DAY = f"T{_HOUR_MINUTE}(:[0-5][0-9](\\.[0-9]{{1,6}})?)?(Z|\\+{_HOUR_MINUTE})?"


def _known_at_pattern(schema: dict[str, Any]) -> None:
    days = days_until_today(EARLIEST_DATE).removeprefix("^").removesuffix("$")
    schema["pattern"] = f"^{days}({_TIME_OF_DAY})?$"


# `distinct_items` in the JSON Schema.
UNIQUE_ITEMS = Field(json_schema_extra={"uniqueItems": True})


def distinct_items(items: list[Any]) -> list[Any]:
    """Refuse a list that names the same value twice."""
    if len(set(items)) != len(items):
        raise ValueError("must not list the same value twice")
    return items


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?"
)


def _iso_text(pattern: re.Pattern[str], shape: str) -> Any:
    # Pydantic reads `0` or `1700000000` as a Unix time (1970-01-01…): a query parameter
    # that is not written as a date is a mistake to report, not a date to guess.
    def check(value: Any) -> Any:
        if isinstance(value, str) and not pattern.fullmatch(value):
            raise ValueError(f"must be written as {shape}")
        if isinstance(value, int | float):  # bool is an int
            raise ValueError(f"must be written as {shape}, not as a number")
        return value

    return BeforeValidator(check)


# Dates and times in query strings and bodies, only in their ISO 8601 forms.
IsoDay = _iso_text(_ISO_DAY, "a date, YYYY-MM-DD")
IsoMoment = _iso_text(_ISO_MOMENT, "an ISO 8601 date-time, YYYY-MM-DDTHH:MM:SSZ")

# A date in a body (a date object from YAML, or YYYY-MM-DD).
Day = Annotated[date, IsoDay]
# A date in the registry's past: observations and judgements cannot be in the future.
PastDate = Annotated[
    date,
    IsoDay,
    AfterValidator(_not_future_day),
    Field(json_schema_extra=_past_day_pattern),
]

AsOf = Annotated[
    date | None,
    IsoDay,
    Query(
        description="The date the condition held (YYYY-MM-DD): judged on every record "
        "verified now, by when things were observed. Omitted: today.",
        json_schema_extra=_past_day_pattern,
    ),
    AfterValidator(lambda day: day if day is None else _not_future_day(day)),
]
CompareTo = Annotated[
    date | None,
    IsoDay,
    Query(
        description="An earlier `as_of` date (YYYY-MM-DD) to list changes since.",
        json_schema_extra=_past_day_pattern,
    ),
    AfterValidator(lambda day: day if day is None else _not_future_day(day)),
]

_KNOWN_AT = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?")


def _known_at(text: str | None) -> date | datetime | None:
    if text is None:
        return None
    if not _KNOWN_AT.fullmatch(text):
        raise ValueError("must be a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:MM:SSZ)")
    try:
        moment: date | datetime = (
            date.fromisoformat(text) if len(text) == 10 else as_utc(datetime.fromisoformat(text))
        )
    except (ValueError, OverflowError):
        raise ValueError("is not a real date or time") from None
    day = moment.date() if isinstance(moment, datetime) else moment
    _not_future_day(day)
    return moment


# The two reading times as plain fields, for inputs other than query parameters (a page's
# GET form, where empty fields mean "not given").
AsOfDate = Annotated[date, IsoDay, AfterValidator(_not_future_day)]
KnownAtText = Annotated[str, Field(max_length=40), AfterValidator(_known_at)]

KnownAt = Annotated[
    str | None,
    Query(
        max_length=40,
        description="The registry as it knew things then: only records entered and verified "
        "by this date (end of day, UTC) or date-time. Omitted: now.",
        examples=["2016-04-01", "2016-04-01T12:00:00Z"],
        json_schema_extra=_known_at_pattern,
    ),
    AfterValidator(_known_at),
]


class InputModel(BaseModel):
    """A request body: unknown fields are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class PatchModel(InputModel):
    """A partial update: absent fields stay as they are; `null` only where it means 'clear'."""

    # Fields that exist on every stored row and so cannot be cleared with null.
    required_fields: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_null_for_required(self) -> "PatchModel":
        cleared = sorted(
            name
            for name in self.model_fields_set & self.required_fields
            if getattr(self, name) is None
        )
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be null; leave it out to keep it")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """The JSON Schema, with `null` refused for `required_fields` as the validator does."""
        schema = handler(core_schema)
        properties = handler.resolve_ref_schema(schema).get("properties", {})
        for name in cls.required_fields:
            options = properties.get(name, {}).get("anyOf")
            if options:
                kept = [option for option in options if option.get("type") != "null"]
                rest = {k: v for k, v in properties[name].items() if k != "anyOf"}
                properties[name] = (
                    {**kept[0], **rest} if len(kept) == 1 else {"anyOf": kept, **rest}
                )
        return schema

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent."""
        return self.model_dump(exclude_unset=True)


class Identified(BaseModel):
    """A stored record's id: all a report's entry keeps of a record besides its facts."""

    id: int


class ResourceRead(Identified):
    """Fields every stored resource has."""

    created_at: datetime
    updated_at: datetime
