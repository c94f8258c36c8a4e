"""Request and response bodies for sources, and the compact form evidence shows them in."""

import re
from collections.abc import Collection
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, Field

from app.core.schemas import (
    UNIQUE_ITEMS,
    Citation,
    Day,
    InputModel,
    LongText,
    Name,
    PastDate,
    PatchModel,
    ResourceRead,
    RowId,
    ShortText,
    days_until_today,
    distinct_items,
)
from app.core.time import today_utc
from app.sources.models import SourceKind

# An http(s) URL as the server takes it, stated once for the check and the OpenAPI document:
# a host without white space, control characters or brackets (which `urlsplit` takes for a
# broken IPv6 literal), then a path, query or fragment without white space or controls.
_CONTROLS = r"\x00-\x1f\x7f-\x9f"
URL_PATTERN = rf"^\s*https?://[^\s/?#\[\]{_CONTROLS}]+(?:[/?#][^\s{_CONTROLS}]*)?\s*$"


def _http_url(value: str) -> str:
    if re.fullmatch(URL_PATTERN, value) is None:
        if not value.strip().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        raise ValueError(
            "must not contain white space or control characters (percent-encode them), "
            "nor brackets in its host"
        )
    return value.strip()


MAX_LANGUAGE_TAG = 35  # RFC 5646 §4.4.1: the length every implementation must support


def _language_tag(value: str) -> str:
    # langcodes checks the tag's syntax and each subtag against the IANA registry, and
    # gives the standard form (`EN-gb` → `en-GB`, the deprecated `iw` → `he`).
    # Imported here: langcodes builds its registry tables on import (0.2 s), which every
    # start of the service would otherwise pay.
    import langcodes

    tag = value.strip()
    if not langcodes.tag_is_valid(tag):
        raise ValueError("must be a BCP 47 language tag such as 'en', 'ar' or 'fr-CH'")
    standard = langcodes.standardize_tag(tag)
    # A standard form is rarely longer than the tag given; where it is, the column keeps 35.
    return standard if len(standard) <= MAX_LANGUAGE_TAG else tag


def _not_future(day: date) -> date:
    # No lower bound: a source may be centuries old (Wood's "Ruins of Palmyra", 1753).
    if day > today_utc():
        raise ValueError(f"must not be in the future (today is {today_utc().isoformat()} UTC)")
    return day


def _registered_tags(schema: dict[str, Any]) -> None:
    """Declare, as a `pattern`, the tags `_language_tag` accepts in their standard form: a
    language, then optionally a script and a region, each a subtag of the IANA registry.

    langcodes keeps the registry as one regular expression of every valid subtag; its
    alternatives are sorted here by the shape of each kind (RFC 5646 §2.1). Built when the
    OpenAPI document is, not at start-up (langcodes is slow to import)."""
    from langcodes.data_dicts import VALIDITY

    subtags = VALIDITY.pattern.removeprefix("^(").removesuffix(")$").split("|")
    kinds: dict[str, list[str]] = {"language": [], "script": [], "region": []}
    for subtag in subtags:
        if re.fullmatch(r"[a-z]{2,3}(\[[a-z-]+\])?", subtag):
            kinds["language"].append(subtag)
        elif re.fullmatch(r"[A-Z][a-z]{2}([a-z]|\[[a-z-]+\])", subtag):
            kinds["script"].append(subtag)
        elif re.fullmatch(r"[A-Z]([A-Z]|\[[A-Z-]+\])|[0-9]{2}([0-9]|\[[0-9-]+\])", subtag):
            kinds["region"].append(subtag)
    language, script, region = (
        _any_case_alternation(kinds[kind]) for kind in ("language", "script", "region")
    )
    schema["pattern"] = f"^({language})(-({script}))?(-({region}))?$"


def _any_case_alternation(subtags: list[str]) -> str:
    """One alternation of the subtags (letters, digits and `[a-k]` classes), matching letters
    in either case: tags are case-insensitive (RFC 5646 §2.1.1; the server gives the standard
    form), and JSON Schema patterns take no flags. Subtags alike but for their last character
    share one branch with a class there (`a[a-kA-K]`): a generator parses a tenth of the
    branches (Schemathesis built its strategies 4× faster, 46 KB of pattern became 19 KB)."""
    last_chars: dict[tuple[frozenset[str], ...], set[str]] = {}
    for subtag in subtags:
        positions = [
            frozenset(char for given in allowed for char in (given.lower(), given.upper()))
            for allowed in _positions(subtag)
        ]
        last_chars.setdefault(tuple(positions[:-1]), set()).update(positions[-1])
    return "|".join(
        "".join(_char_class(chars) for chars in (*prefix, last))
        for prefix, last in last_chars.items()
    )


def _positions(subtag: str) -> list[set[str]]:
    """The characters each position of a subtag takes (`ab[c-e]`: a, b, then c, d or e)."""
    positions = []
    for found in re.finditer(r"\[([^\]]*)\]|.", subtag):
        if found[1] is None:
            positions.append({found[0]})
            continue
        chars: set[str] = set()
        for first, last in re.findall(r"(.)(?:-(.))?", found[1]):
            chars.update(chr(code) for code in range(ord(first), ord(last or first) + 1))
        positions.append(chars)
    return positions


def _char_class(chars: Collection[str]) -> str:
    """The characters as a regular expression: the character itself, or a class of ranges."""
    if len(chars) == 1:
        return next(iter(chars))
    codes = sorted(ord(char) for char in chars)
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return (
        "["
        + "".join(
            chr(first) + ("-" if last > first + 1 else "") + (chr(last) if last > first else "")
            for first, last in runs
        )
        + "]"
    )


# Up to 2,000 characters, as a free-text citation: one carried over from one is kept whole.
Title = Annotated[Citation, Field(description="The source's title.")]
Url = Annotated[
    str,
    Field(
        max_length=2000,
        examples=["https://whc.unesco.org/en/list/23/"],
        # What `_http_url` accepts, for clients and fuzzers (it gives the messages).
        json_schema_extra={"pattern": URL_PATTERN},
    ),
    AfterValidator(_http_url),
]
LanguageTag = Annotated[
    str,
    Field(
        max_length=MAX_LANGUAGE_TAG,
        examples=["en"],
        description="BCP 47 language tag.",
        json_schema_extra=_registered_tags,
    ),
    AfterValidator(_language_tag),
]
Licence = Annotated[ShortText, Field(max_length=100, examples=["CC-BY-4.0"])]
PublishedOn = Annotated[
    Day,
    AfterValidator(_not_future),
    Field(json_schema_extra=lambda schema: schema.update(pattern=days_until_today(date(1, 1, 1)))),
]
SourceRef = RowId
SourceIds = Annotated[
    list[SourceRef],
    Field(max_length=50, description="Ids of the source records this cites, in order."),
    UNIQUE_ITEMS,
    AfterValidator(distinct_items),
]
# The source ids of a record as the API shows it, beside its `sources`.
CitedSourceIds = Annotated[list[int], Field(description="The source records it cites, in order.")]


class SourceDetails(InputModel):
    """What a source may go without, sent alike for a new source and in a change to one."""

    author: Name | None = None
    publisher: Name | None = None
    published_on: PublishedOn | None = None
    url: Url | None = None
    accessed_on: PastDate | None = None
    language: LanguageTag | None = None
    licence: Licence | None = None
    notes: LongText | None = None


class SourceCreate(SourceDetails):
    """A new source."""

    kind: SourceKind
    title: Title
    archived_url: Url | None = Field(
        default=None, description="A copy in a web archive (the Wayback Machine, archive.today)."
    )


class SourceUpdate(SourceDetails, PatchModel):
    """Changes to a source; absent fields are kept."""

    required_fields: ClassVar[frozenset[str]] = frozenset({"kind", "title"})

    kind: SourceKind | None = None
    title: Title | None = None
    archived_url: Url | None = None


class SourceFacts(BaseModel):
    """What a source is and where to find it: as the API shows it and as a report cites it."""

    kind: SourceKind
    title: str
    author: str | None
    publisher: str | None
    published_on: date | None
    url: str | None
    archived_url: str | None
    accessed_on: date | None
    language: str | None
    licence: str | None


class SourceRead(SourceFacts, ResourceRead):
    """A source as the API shows it."""

    notes: str | None


class SourceSummary(BaseModel):
    """A cited source, as the records that cite it show it."""

    id: int
    kind: SourceKind
    title: str
    url: str | None
