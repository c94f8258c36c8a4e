"""Names with their languages, and identifiers in other datasets, as the API takes them."""

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.core.schemas import InputModel, Name, distinct_items
from app.sources.schemas import LanguageTag


class NameKind(StrEnum):
    """What a name is to the thing it names."""

    preferred = "preferred"
    alternative = "alternative"
    historical = "historical"
    transliteration = "transliteration"


def _script(value: str) -> str:
    # langcodes knows the ISO 15924 codes that the IANA registry lists as script subtags.
    import langcodes

    script = value.strip().title()
    if len(script) != 4 or not langcodes.tag_is_valid(f"und-{script}"):
        raise ValueError("must be an ISO 15924 script code such as 'Arab' or 'Latn'")
    return script


Script = Annotated[
    str,
    Field(max_length=20, examples=["Arab"], description="ISO 15924 script code."),
    AfterValidator(_script),
]


class PlaceName(InputModel):
    """One name of a site or monument, in one language."""

    value: Name
    lang: LanguageTag = Field(
        description="BCP 47 language tag; `und` where the language is not known."
    )
    script: Script | None = None
    kind: NameKind = NameKind.alternative


def _distinct_names(names: list[PlaceName]) -> list[PlaceName]:
    distinct_items([(name.value, name.lang, name.kind) for name in names])
    return names


Names = Annotated[
    list[PlaceName],
    Field(
        max_length=60,
        description="Every name with its language (BCP 47) and kind; the record's `name` is "
        "among them as a preferred name.",
    ),
    AfterValidator(_distinct_names),
]


class IdentifierScheme(StrEnum):
    """Datasets whose identifiers a site or monument may carry."""

    wikidata = "wikidata"
    geonames = "geonames"
    pleiades = "pleiades"
    whc = "whc"
    eamena = "eamena"
    getty_tgn = "getty_tgn"
    local = "local"


# The form of each scheme's identifiers, and the URI it stands for (None: no public URI).
SCHEMES: dict[IdentifierScheme, tuple[re.Pattern[str], str | None, str]] = {
    IdentifierScheme.wikidata: (
        re.compile(r"Q[1-9][0-9]{0,11}"),
        "http://www.wikidata.org/entity/{}",
        "Q and a number, e.g. Q5859",
    ),
    IdentifierScheme.geonames: (
        re.compile(r"[1-9][0-9]{0,11}"),
        "https://sws.geonames.org/{}/",
        "a number, e.g. 170012",
    ),
    IdentifierScheme.pleiades: (
        re.compile(r"[1-9][0-9]{0,11}"),
        "https://pleiades.stoa.org/places/{}",
        "a number, e.g. 668331",
    ),
    IdentifierScheme.whc: (
        re.compile(r"[1-9][0-9]{0,5}"),
        "https://whc.unesco.org/en/list/{}/",
        "the property number, e.g. 23",
    ),
    IdentifierScheme.eamena: (
        re.compile(r"EAMENA-[0-9]{7}"),
        None,
        "EAMENA- and seven digits, e.g. EAMENA-0012345",
    ),
    IdentifierScheme.getty_tgn: (
        re.compile(r"[1-9][0-9]{6}"),
        "http://vocab.getty.edu/tgn/{}",
        "seven digits, e.g. 7001441",
    ),
    IdentifierScheme.local: (re.compile(r"[^\s:][^\x00-\x1f]{0,199}"), None, "any text"),
}


# What `check_identifier` accepts, as JSON Schema patterns (values as stored: no outer
# white space, no control characters or noncharacters, which no text field takes).
_NO_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f\\ufdd0-\\ufdef\\ufffe\\uffff"
_LOCAL_VALUE = f"[^\\s:{_NO_CONTROLS}]([^{_NO_CONTROLS}]{{0,198}}[^\\s{_NO_CONTROLS}])?"


def _value_pattern(scheme: IdentifierScheme) -> str:
    return _LOCAL_VALUE if scheme is IdentifierScheme.local else SCHEMES[scheme][0].pattern


# `scheme:value` in the `identifier` query parameters.
IDENTIFIER_QUERY_PATTERN = (
    "^(" + "|".join(f"{scheme.value}:{_value_pattern(scheme)}" for scheme in SCHEMES) + ")$"
)


def identifier_uri(scheme: IdentifierScheme, value: str) -> str | None:
    """The URI an identifier stands for, where its scheme has one."""
    template = SCHEMES[scheme][1]
    return template.format(value) if template else None


def check_identifier(scheme: IdentifierScheme, value: str) -> str:
    """The value if it has the scheme's form; `ValueError` saying the form otherwise."""
    pattern, _, form = SCHEMES[scheme]
    value = value.strip()
    if not pattern.fullmatch(value):
        raise ValueError(f"a {scheme.value} identifier is {form}; got {value!r}")
    return value


class Identifier(InputModel):
    """The record's identifier in another dataset; `uri` follows from scheme and value."""

    # Each scheme's form of value, in the JSON Schema; where the scheme has a public URI,
    # it is derived from the value, so a client leaves `uri` out (or null).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scheme": "wikidata", "value": "Q5859"}],
            "anyOf": [
                {
                    "properties": {
                        "scheme": {"const": scheme.value},
                        "value": {"pattern": f"^{_value_pattern(scheme)}$"},
                        **({"uri": {"type": "null"}} if SCHEMES[scheme][1] else {}),
                    }
                }
                for scheme in SCHEMES
            ],
        },
    )

    scheme: IdentifierScheme
    value: str = Field(min_length=1, max_length=200)
    uri: str | None = Field(default=None, description="Filled in from scheme and value.")

    @model_validator(mode="after")
    def _check(self) -> "Identifier":
        self.value = check_identifier(self.scheme, self.value)
        derived = identifier_uri(self.scheme, self.value)
        if self.uri is not None and derived is not None and self.uri != derived:
            raise ValueError(f"uri must be {derived} for {self.scheme.value} {self.value}")
        if derived is not None:
            self.uri = derived
        return self


def _distinct_identifiers(identifiers: list[Identifier]) -> list[Identifier]:
    distinct_items([(item.scheme, item.value) for item in identifiers])
    return identifiers


Identifiers = Annotated[
    list[Identifier],
    Field(max_length=50, description="Identifiers of the record in other datasets."),
    AfterValidator(_distinct_identifiers),
]


class PlaceNameRead(BaseModel):
    """A name as the API shows it."""

    value: str
    lang: str
    script: str | None = None
    kind: str


class IdentifierRead(BaseModel):
    """An identifier as the API shows it."""

    scheme: str
    value: str
    uri: str | None = None


class MatchedName(BaseModel):
    """The name a search matched."""

    value: str
    lang: str
    kind: str


def with_whole_lists(model: BaseModel, changes: dict[str, Any]) -> dict[str, Any]:
    """A patch's changes with `names` and `identifiers` dumped whole: leaving out unset fields
    must not drop a name's default kind or an identifier's derived uri."""
    for field in ("names", "identifiers"):
        items = getattr(model, field, None)
        if field in changes and items is not None:
            changes[field] = [item.model_dump() for item in items]
    return changes
