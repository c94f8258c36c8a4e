"""OAI-PMH 2.0: the six verbs over monuments, one set per site, `oai_dc` metadata.

Each monument is one record, `oai:<repository identifier>:monument/<id>`. Its datestamp is
the last time anything in its metadata could have changed: the monument itself, its site
(named in the coverage) or a verification of one of its assessments (the current
condition). Withdrawn monuments stay as deleted records (`deletedRecord` is persistent).
Coordinates are the public ones: rounded for sensitive monuments, as anonymous readers get.

Protocol errors are `OaiError`s, answered as OAI-PMH `<error>` elements with HTTP 200, as
the protocol requires, not as problem+json. Resumption tokens are stateless: the request's
arguments and the last id seen, base64url-encoded, so they never expire and survive
restarts; the listing is in id order, so a harvest across tokens sees each record once.
"""

import base64
import binascii
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pycountry
from sqlalchemy import Select, case, func, type_coerce
from sqlmodel import Session, select

from app.assessments import service as assessments
from app.assessments.models import AssessmentStatus, DamageAssessment
from app.assessments.schemas import CurrentCondition
from app.core.db import UTCDateTime
from app.core.time import utc_now
from app.monuments.models import Monument
from app.photos.models import EvidenceItem
from app.sites.models import Site

OAI_DC = "oai_dc"
METADATA_FORMATS = {
    OAI_DC: (
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
    )
}
LIST_VERBS = frozenset({"ListIdentifiers", "ListRecords", "ListSets"})
# verb → (required arguments, optional arguments); `resumptionToken` is exclusive.
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset()),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"})),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"})),
}
_SET_SPEC = re.compile(r"site-([1-9][0-9]{0,9})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
EMPTY_REPOSITORY_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class OaiError(Exception):
    """A protocol error: one of OAI-PMH's error codes and a message saying what to fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Repository:
    """This repository as OAI-PMH describes it."""

    name: str
    base_url: str  # the service's root URL, without a trailing slash
    admin_email: str
    namespace: str  # the repository identifier in `oai:<namespace>:monument/<id>`
    page_size: int

    @property
    def oai_url(self) -> str:
        """The protocol's base URL."""
        return f"{self.base_url}/oai"

    def identifier(self, monument_id: int) -> str:
        """The OAI identifier of a monument's record."""
        return f"oai:{self.namespace}:monument/{monument_id}"

    def monument_id(self, identifier: str) -> int | None:
        """The monument an OAI identifier names, or None if it names nothing here."""
        prefix = f"oai:{self.namespace}:monument/"
        number = identifier.removeprefix(prefix)
        if number == identifier or not re.fullmatch(r"[1-9][0-9]{0,9}", number):
            return None
        return int(number) if int(number) < 2**31 else None


# --- answers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """A record's header."""

    identifier: str
    datestamp: datetime
    set_specs: tuple[str, ...]
    deleted: bool


@dataclass(frozen=True)
class Record:
    """A header, and the Dublin Core elements (none for a deleted record)."""

    header: Header
    dublin_core: dict[str, list[str]] | None
    # The language (BCP 47) of each title, in order; None where it is not known.
    title_languages: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class SetInfo:
    """One set: a site."""

    spec: str
    name: str


@dataclass(frozen=True)
class ResumptionToken:
    """Where an incomplete list resumes; `value` is empty on its last part."""

    value: str
    cursor: int
    complete_list_size: int


@dataclass(frozen=True)
class Identity:
    """The Identify answer."""

    repository: Repository
    earliest_datestamp: datetime


@dataclass
class Answer:
    """One protocol response: the request echoed, and a result or an error."""

    verb: str | None
    arguments: dict[str, str]
    response_date: datetime
    result: Any = None
    items: list[Any] = field(default_factory=list)
    token: ResumptionToken | None = None
    error: OaiError | None = None


# --- requests ------------------------------------------------------------------------------


def parse_arguments(arguments: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """The verb and its arguments, checked against the verb's rules."""
    verbs = [value for name, value in arguments if name == "verb"]
    if len(verbs) != 1 or verbs[0] not in VERBS:
        given = "missing" if not verbs else ("repeated" if len(verbs) > 1 else repr(verbs[0]))
        raise OaiError("badVerb", f"The verb is {given}; use one of: {', '.join(VERBS)}.")
    verb = verbs[0]
    others = [(name, value) for name, value in arguments if name != "verb"]
    names = [name for name, _ in others]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise OaiError("badArgument", f"Arguments may not be repeated: {', '.join(repeated)}.")
    given = dict(others)
    required, optional = VERBS[verb]
    if "resumptionToken" in given and verb in LIST_VERBS:
        if len(given) > 1:
            raise OaiError(
                "badArgument",
                "resumptionToken is exclusive: send it with the verb and nothing else.",
            )
        return verb, given
    unknown = sorted(set(given) - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional)) or "none"
        raise OaiError(
            "badArgument",
            f"{verb} does not take {', '.join(unknown)} (its arguments: {allowed}).",
        )
    missing = sorted(required - set(given))
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(missing)}.")
    return verb, given


def _instant(value: str, name: str) -> tuple[datetime, timedelta]:
    """A `from`/`until` value as an instant, and the granularity it was given in."""
    try:
        if _DAY.fullmatch(value):
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC), (
                timedelta(days=1)
            )
        if _SECOND.fullmatch(value):
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return moment, timedelta(seconds=1)
    except ValueError:
        pass
    raise OaiError(
        "badArgument", f"{name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC), not {value!r}."
    )


@dataclass(frozen=True)
class ListQuery:
    """What a ListIdentifiers/ListRecords/ListSets request asks for, and how far it got."""

    kind: str  # the verb
    metadata_prefix: str | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    set_spec: str | None = None
    after_id: int = 0
    cursor: int = 0

    def encode(self) -> str:
        """This query as an opaque resumption token."""
        document = {
            "v": 1,
            "k": self.kind,
            "p": self.metadata_prefix,
            "f": self.start.isoformat() if self.start else None,
            "u": self.end.isoformat() if self.end else None,
            "s": self.set_spec,
            "a": self.after_id,
            "c": self.cursor,
        }
        raw = json.dumps(document, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, verb: str) -> "ListQuery":
        """The query a token continues; `badResumptionToken` for anything we did not issue."""
        try:
            if len(token) > 1000:
                raise ValueError
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            doc = json.loads(raw)
            if doc.get("v") != 1 or doc.get("k") != verb:
                raise ValueError
            query = cls(
                kind=verb,
                metadata_prefix=doc["p"],
                start=datetime.fromisoformat(doc["f"]) if doc["f"] else None,
                end=datetime.fromisoformat(doc["u"]) if doc["u"] else None,
                set_spec=doc["s"],
                after_id=doc["a"],
                cursor=doc["c"],
            )
            for number in (query.after_id, query.cursor):
                if type(number) is not int or not 0 <= number < 2**31:
                    raise ValueError
            if verb != "ListSets" and query.metadata_prefix not in METADATA_FORMATS:
                raise ValueError
            if query.set_spec is not None and not _SET_SPEC.fullmatch(str(query.set_spec)):
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            raise OaiError(
                "badResumptionToken",
                "The resumptionToken is not one this repository issued for this verb; "
                "start the list again without it.",
            ) from None
        return query


def _list_query(verb: str, given: dict[str, str]) -> ListQuery:
    if "resumptionToken" in given:
        return ListQuery.decode(given["resumptionToken"], verb)
    if verb == "ListSets":
        return ListQuery(kind=verb)
    prefix = given["metadataPrefix"]
    if prefix not in METADATA_FORMATS:
        raise OaiError(
            "cannotDisseminateFormat",
            f"This repository disseminates only {', '.join(METADATA_FORMATS)}, not {prefix!r}.",
        )
    start = end = None
    grains = set()
    if "from" in given:
        start, grain = _instant(given["from"], "from")
        grains.add(grain)
    if "until" in given:
        until, grain = _instant(given["until"], "until")
        grains.add(grain)
        # `until` is inclusive: the whole day, or the whole second (none past year 9999).
        end = until + grain if until < datetime.max.replace(tzinfo=UTC) - grain else None
    if len(grains) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity.")
    if start and end and start >= end:
        raise OaiError("badArgument", "from must not be later than until.")
    return ListQuery(
        kind=verb, metadata_prefix=prefix, start=start, end=end, set_spec=given.get("set")
    )


# --- records -------------------------------------------------------------------------------


def _later(first: Any, second: Any) -> Any:
    # GREATEST() is not portable (SQLite has multi-argument max() instead); a NULL `second`
    # compares as unknown and leaves `first`.
    return type_coerce(case((second > first, second), else_=first), UTCDateTime())


def _records_query(*, with_condition: bool) -> tuple[Select, Any]:
    """Monuments with what their records need, and the expression of their datestamp."""
    verified = (
        select(
            DamageAssessment.monument_id.label("monument_id"),
            func.max(DamageAssessment.reviewed_at).label("verified_at"),
        )
        .where(DamageAssessment.status == AssessmentStatus.verified)
        .group_by(DamageAssessment.monument_id)
        .subquery("verified")
    )
    datestamp = _later(_later(Monument.updated_at, Site.updated_at), verified.c.verified_at)
    query = (
        select(
            Monument,
            Site.name.label("site_name"),
            Site.country.label("site_country"),
            datestamp.label("datestamp"),
        )
        .join(Site, Site.id == Monument.site_id)
        .outerjoin(verified, verified.c.monument_id == Monument.id)
    )
    if with_condition:
        condition = assessments.condition_query().subquery("condition")
        query = query.add_columns(condition).outerjoin(
            condition, condition.c.monument_id == Monument.id
        )
    return query, datestamp


def _seconds(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _country(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return f"{country.name} ({code})" if country else code


def _condition_text(condition: CurrentCondition | None) -> str:
    if condition is None:
        return "Current condition: no verified damage assessment yet."
    level = condition.damage_level.replace("_", " ")
    extent = (
        f", {condition.extent_percent} % of the structure affected"
        if condition.extent_percent is not None
        else ""
    )
    return (
        f"Current condition (UNOSAT damage scale): {level}{extent}; observed "
        f"{condition.observed_on.isoformat()}, verified damage assessment "
        f"{condition.assessment_id}."
    )


def _titles(monument: Monument) -> list[dict[str, str]]:
    """Every name of the monument, the display name first; untagged names read as `und`."""
    names = monument.names or [{"value": monument.name, "lang": "und"}] + [
        {"value": value, "lang": "und"} for value in monument.alt_names
    ]
    first = [name for name in names if name["value"] == monument.name][:1]
    return first + [name for name in names if name not in first]


def _evidence_by_monument(session: Session, monument_ids: Sequence[int]) -> dict[int, list]:
    """Each monument's evidence items (id and kind), one query for a page of records."""
    found: dict[int, list] = {}
    if monument_ids:
        rows = session.execute(
            select(EvidenceItem.monument_id, EvidenceItem.id, EvidenceItem.kind)
            .where(EvidenceItem.monument_id.in_(list(monument_ids)))
            .order_by(EvidenceItem.id)
        )
        for monument_id, evidence_id, kind in rows:
            found.setdefault(monument_id, []).append((evidence_id, kind))
    return found


def _evidence_text(evidence: Sequence[tuple[int, str]]) -> str:
    counts = Counter(kind for _, kind in evidence)
    kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(counts.items()))
    return f"Evidence items: {kinds}."


def _dublin_core(
    row: Any, repository: Repository, evidence: Sequence[tuple[int, str]] = ()
) -> dict[str, list[str]]:
    monument: Monument = row[0]
    condition = assessments.condition_from_row(row)
    # The public position: rounded for sensitive monuments, exact for the others.
    point = f"name={monument.name}; east={monument.public_lon}; north={monument.public_lat}"
    descriptions = [monument.description] if monument.description else []
    descriptions.append(_condition_text(condition))
    if evidence:
        descriptions.append(_evidence_text(evidence))
    if monument.sensitive:
        descriptions.append(
            "The location is generalised (to within about "
            f"{monument.public_precision_m:.0f} m) to protect the monument from looting."
        )
    return {
        "title": [name["value"] for name in _titles(monument)],
        "type": [monument.type.replace("_", " "), "PhysicalObject"],
        # The period is free text ("1st century AD"): temporal coverage, not a dc:date.
        "coverage": [f"{row.site_name}, {_country(row.site_country)}", point]
        + ([monument.period] if monument.period else []),
        # W3CDTF: the day its current condition was observed, the last event recorded.
        "date": [condition.observed_on.isoformat()] if condition else [],
        "description": descriptions,
        # First the page a person opens, then the same record as JSON for machines, then
        # its identifiers in other datasets (as URIs where the scheme has them).
        "identifier": [
            f"{repository.base_url}/ui/monuments/{monument.id}",
            f"{repository.base_url}/api/v1/monuments/{monument.id}",
            *(
                item.get("uri") or f"{item['scheme']}:{item['value']}"
                for item in monument.identifiers
            ),
        ],
        "relation": [
            f"{repository.base_url}/api/v1/sites/{monument.site_id}",
            *(f"{repository.base_url}/api/v1/evidence/{item_id}" for item_id, _ in evidence),
        ],
        "publisher": [repository.name],
    }


def _record(
    row: Any,
    repository: Repository,
    *,
    with_metadata: bool,
    evidence: Sequence[tuple[int, str]] = (),
) -> Record:
    monument: Monument = row[0]
    deleted = monument.deleted_at is not None
    header = Header(
        identifier=repository.identifier(monument.id),
        datestamp=_seconds(row.datestamp),
        set_specs=(f"site-{monument.site_id}",),
        deleted=deleted,
    )
    if deleted or not with_metadata:
        return Record(header=header, dublin_core=None)
    languages = tuple(None if name["lang"] == "und" else name["lang"] for name in _titles(monument))
    return Record(
        header=header,
        dublin_core=_dublin_core(row, repository, evidence),
        title_languages=languages,
    )


def _list_records(
    session: Session, repository: Repository, query: ListQuery, *, with_metadata: bool
) -> tuple[list[Record], ResumptionToken | None]:
    statement, datestamp = _records_query(with_condition=with_metadata)
    filters = []
    if query.start is not None:
        filters.append(datestamp >= query.start)
    if query.end is not None:
        filters.append(datestamp < query.end)
    if query.set_spec is not None:
        match = _SET_SPEC.fullmatch(query.set_spec)
        if match is None:
            raise OaiError("noRecordsMatch", f"There is no set {query.set_spec!r}; see ListSets.")
        filters.append(Monument.site_id == int(match.group(1)))
    statement = statement.where(*filters)
    size = session.execute(
        select(func.count()).select_from(statement.with_only_columns(Monument.id).subquery())
    ).scalar_one()
    page, more = _page_after(
        session,
        statement,
        Monument.id,
        query,
        repository,
        none=OaiError("noRecordsMatch", "No record matches these arguments."),
    )
    evidence = _evidence_by_monument(session, [row[0].id for row in page]) if with_metadata else {}
    records = [
        _record(row, repository, with_metadata=with_metadata, evidence=evidence.get(row[0].id, []))
        for row in page
    ]
    return records, _token(query, last_id=page[-1][0].id, count=len(page), more=more, size=size)


def _page_after(
    session: Session,
    statement: Any,
    id_column: Any,
    query: ListQuery,
    repository: Repository,
    *,
    none: OaiError,
) -> tuple[Sequence[Any], bool]:
    """The page of rows after the request's cursor in id order, and whether more follow;
    `none` is raised when there are no rows at all."""
    rows = session.execute(
        statement.where(id_column > query.after_id)
        .order_by(id_column)
        .limit(repository.page_size + 1)
    ).all()
    if not rows:
        raise none
    return rows[: repository.page_size], len(rows) > repository.page_size


def _token(
    query: ListQuery, *, last_id: int, count: int, more: bool, size: int
) -> ResumptionToken | None:
    """The token after a page: none for a complete list, empty on the last part of one."""
    if query.cursor == 0 and not more:
        return None
    following = replace(query, after_id=last_id, cursor=query.cursor + count)
    return ResumptionToken(
        value=following.encode() if more else "",
        cursor=query.cursor,
        complete_list_size=max(size, query.cursor + count),
    )


def _list_sets(
    session: Session, repository: Repository, query: ListQuery
) -> tuple[list[SetInfo], ResumptionToken | None]:
    size = session.execute(select(func.count()).select_from(Site)).scalar_one()
    page, more = _page_after(
        session,
        select(Site),
        Site.id,
        query,
        repository,
        none=OaiError("noSetHierarchy", "There are no sites yet, so no sets."),
    )
    sets = [SetInfo(spec=f"site-{site.id}", name=site.name) for (site,) in page]
    return sets, _token(query, last_id=page[-1][0].id, count=len(page), more=more, size=size)


def _one_record(session: Session, repository: Repository, identifier: str) -> Any:
    monument_id = repository.monument_id(identifier)
    row = None
    if monument_id is not None:
        statement, _ = _records_query(with_condition=True)
        row = session.execute(statement.where(Monument.id == monument_id)).first()
    if row is None:
        raise OaiError("idDoesNotExist", f"There is no record {identifier!r} in this repository.")
    return row


def _earliest_datestamp(session: Session) -> datetime:
    # Every datestamp is at or after its monument's creation.
    earliest = session.execute(select(func.min(Monument.created_at))).scalar_one()
    return _seconds(earliest) if earliest else EMPTY_REPOSITORY_EARLIEST


def respond(
    *, session: Session, repository: Repository, arguments: list[tuple[str, str]]
) -> Answer:
    """The answer to one OAI-PMH request, protocol errors included."""
    answer = Answer(verb=None, arguments={}, response_date=_seconds(utc_now()))
    try:
        verb, given = parse_arguments(arguments)
    except OaiError as error:
        # For badVerb and badArgument the protocol echoes no arguments.
        answer.error = error
        return answer
    answer.verb, answer.arguments = verb, given
    try:
        if verb == "Identify":
            answer.result = Identity(repository, _earliest_datestamp(session))
        elif verb == "ListMetadataFormats":
            if "identifier" in given:
                _one_record(session, repository, given["identifier"])
            answer.items = list(METADATA_FORMATS.items())
        elif verb == "GetRecord":
            if given["metadataPrefix"] not in METADATA_FORMATS:
                raise OaiError(
                    "cannotDisseminateFormat",
                    f"This repository disseminates only {', '.join(METADATA_FORMATS)}.",
                )
            row = _one_record(session, repository, given["identifier"])
            evidence = _evidence_by_monument(session, [row[0].id])
            answer.result = _record(
                row, repository, with_metadata=True, evidence=evidence.get(row[0].id, [])
            )
        elif verb == "ListSets":
            answer.items, answer.token = _list_sets(session, repository, _list_query(verb, given))
        else:
            answer.items, answer.token = _list_records(
                session,
                repository,
                _list_query(verb, given),
                with_metadata=verb == "ListRecords",
            )
    except OaiError as error:
        if error.code in ("badArgument", "badVerb"):
            answer.verb, answer.arguments = None, {}
        answer.error = error
    return answer
