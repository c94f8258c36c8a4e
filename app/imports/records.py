"""Importing records from YAML files: sources, sites, monuments, damage assessments and
restoration assessments, each checked by the API's own schema and stored by its services.

A file holds lists of records under the kinds it has:

    sources:
      - key: unosat_2015
        kind: satellite_image_analysis
        title: ...
    damage_assessments:
      - monument: temple_of_bel
        sources: [unosat_2015]
        status: verified
        observed_on: 2015-08-31
        ...

Each record is the body the API takes for it (`SourceCreate`, `SiteCreate`, `MonumentCreate`,
`AssessmentCreate`, `RestorationCreate`), except that records name one another by `key`
instead of by id: `site` for `site_id`, `monument` (or `monuments`) for the path's monument,
`sources` for `source_ids`. A reference may also be the id of a row already stored. Sites and
monuments do not cite sources through the API yet: their sources are added to their
description as a last paragraph.

All or nothing: every record is checked (its schema, its references, the keys used twice)
and every problem is reported with its file and line; only then is anything stored, in the
caller's one transaction, each record through the service the API uses (so each write is
audited), and a refusal by a service is a problem too. With any problem the caller rolls
everything back.

Re-running the same files changes nothing: each record is matched to what is stored by a
stable key (a source by its URL, else by its title; a site by its
WHC id, else its name and country; a monument by its site and external_id, else its name; an
assessment by its monument, date, method, level and sources; a restoration assessment by its
monument, date, organisation and sources). A changed record updates what it matched through
the service's update, where the API allows it: a verified assessment never changes, a
correction is a new assessment that `supersedes` it.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import Session

from app.assessments import service as assessments
from app.assessments.models import AssessmentStatus, DamageAssessment
from app.assessments.schemas import AssessmentCreate
from app.core.actors import Caller
from app.core.errors import RegistryError
from app.core.schemas import TEXT_INPUT
from app.imports.schemas import (
    AssessmentRecordRefs,
    AttributeRecordRefs,
    FactorRecordRefs,
    ImagePairRecordRefs,
    MonumentFields,
    OfMonumentRecordRefs,
    OfSiteRecordRefs,
    RestorationRecordRefs,
    SiteRecordRefs,
    SourceRecordRefs,
)
from app.imports.service import Problem
from app.keys.models import Role
from app.monuments import service as monuments
from app.monuments.models import Monument
from app.names import service as names
from app.photos import evidence
from app.photos.models import EvidenceItem
from app.photos.schemas import EvidenceCreate, ImagePairCreate
from app.property import schemas as property_schemas
from app.property import service as property_records
from app.property.models import (
    Benchmark,
    CommitteeDecision,
    CorrectiveMeasure,
    Mission,
    MonumentComponent,
    PropertyAttribute,
    PropertyFactor,
)
from app.restoration import service as restorations
from app.restoration.models import RestorationAssessment, RestorationStatus
from app.restoration.schemas import RestorationCreate
from app.sites import service as sites
from app.sites.models import Site
from app.sites.schemas import SiteCreate
from app.sources import service as sources
from app.sources.models import Source
from app.sources.schemas import SourceCreate

Progress = Callable[[int], None]
FILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Kind:
    """A kind of record: its API schema, what it has beside it, and fields it must not use."""

    name: str
    schema: type[BaseModel]
    refs: type[BaseModel]
    # API fields that records give as references instead: field → the record's name for it.
    replaced: dict[str, str]


# In the order they are stored: each kind refers only to kinds before it.
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("sources", SourceCreate, SourceRecordRefs, {}),
        Kind("sites", SiteCreate, SiteRecordRefs, {}),
        # `MonumentFields` is `MonumentCreate` plus an optional `external_id`.
        Kind("monuments", MonumentFields, OfSiteRecordRefs, {"site_id": "site"}),
        Kind(
            "components",
            property_schemas.ComponentCreate,
            OfMonumentRecordRefs,
            {"source_ids": "sources"},
        ),
        Kind(
            "damage_assessments",
            AssessmentCreate,
            AssessmentRecordRefs,
            {"source_ids": "sources", "component_conditions": "component_levels"},
        ),
        Kind(
            "restoration_assessments",
            RestorationCreate,
            RestorationRecordRefs,
            {"source_ids": "sources"},
        ),
        Kind(
            "evidence_items",
            EvidenceCreate,
            OfMonumentRecordRefs,
            {"source_ids": "sources"},
        ),
        Kind(
            "image_pairs",
            ImagePairCreate,
            ImagePairRecordRefs,
            {"before_id": "before", "after_id": "after", "assessment_id": "assessment"},
        ),
        Kind(
            "attributes",
            property_schemas.AttributeCreate,
            AttributeRecordRefs,
            {"source_ids": "sources", "monument_ids": "monuments", "component_ids": "components"},
        ),
        Kind(
            "factors",
            property_schemas.FactorCreate,
            FactorRecordRefs,
            {"source_ids": "sources", "monument_ids": "monuments", "attribute_ids": "attributes"},
        ),
        Kind(
            "corrective_measures",
            property_schemas.CorrectiveMeasureCreate,
            OfSiteRecordRefs,
            {"source_ids": "sources"},
        ),
        Kind(
            "benchmarks",
            property_schemas.BenchmarkCreate,
            OfSiteRecordRefs,
            {"source_ids": "sources"},
        ),
        Kind(
            "decisions",
            property_schemas.DecisionCreate,
            OfSiteRecordRefs,
            {"source_ids": "sources"},
        ),
        Kind(
            "missions",
            property_schemas.MissionCreate,
            OfSiteRecordRefs,
            {"source_ids": "sources"},
        ),
    )
}
# The property layer's kinds: the model each stores, and the fields a stored row is matched
# on (with its site), so that re-running the files changes nothing.
PROPERTY_KINDS: dict[str, tuple[type, tuple[str, ...]]] = {
    "attributes": (PropertyAttribute, ("name",)),
    "factors": (PropertyFactor, ("code",)),
    "corrective_measures": (CorrectiveMeasure, ("text",)),
    "benchmarks": (Benchmark, ("text",)),
    "decisions": (CommitteeDecision, ("code",)),
    "missions": (Mission, ("type", "started_on")),
}
# Which kind each reference names.
REFERRED = {
    "site": "sites",
    "monument": "monuments",
    "monuments": "monuments",
    "assessment": "damage_assessments",
    "before": "evidence_items",
    "after": "evidence_items",
}
REFERRED_TABLES: dict[str, type] = {
    "sources": Source,
    "sites": Site,
    "monuments": Monument,
    "damage_assessments": DamageAssessment,
    "evidence_items": EvidenceItem,
    "components": MonumentComponent,
    "attributes": PropertyAttribute,
}
REVIEW_ORDER = (AssessmentStatus.draft, AssessmentStatus.submitted, AssessmentStatus.verified)
REVIEW_NOTE = "Transcribed from the cited sources by the import of records."


def _no_progress(_: int) -> None:
    pass


# --- reading -------------------------------------------------------------------------------


@dataclass
class Record:
    """One record as a file states it, and where: `palmyra/site.yaml line 4`."""

    kind: Kind
    where: str
    values: dict[str, Any]


def record_files(paths: Sequence[Path]) -> list[Path]:
    """The files to read: each file given, and the YAML files of each folder given."""
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in FILE_SUFFIXES)
        else:
            files.append(path)
    return files


# libyaml's parser, where PyYAML was built with it (its wheels are): several times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[Any, dict[str, list[int]]]:
    """The document, and the line each record of each kind starts on, from one parse."""
    loader = _YAML_LOADER(text)
    try:
        root = loader.get_single_node()
        document = None if root is None else loader.construct_document(root)
    finally:
        loader.dispose()
    lines: dict[str, list[int]] = {}
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(value, yaml.SequenceNode):
                lines[key.value] = [item.start_mark.line + 1 for item in value.value]
    return document, lines


def _file_records(path: Path, label: str, problems: list[Problem]) -> Iterator[Record]:
    try:
        text = path.read_text(encoding="utf-8-sig")
        document, lines = _parse(text)
    except UnicodeDecodeError as error:
        problems.append(Problem(label, None, f"not UTF-8 text (byte {error.start} is not)"))
        return
    except yaml.YAMLError as error:
        problems.append(Problem(label, None, f"not YAML: {error}".replace("\n", " ")))
        return
    if document is None:
        return  # an empty file: nothing to import
    if not isinstance(document, dict):
        problems.append(Problem(label, None, f"expected lists of records under {', '.join(KINDS)}"))
        return
    for name, items in document.items():
        kind = KINDS.get(name)
        if kind is None:
            problems.append(
                Problem(
                    label, str(name), f"unknown kind of record; the kinds are: {', '.join(KINDS)}"
                )
            )
            continue
        if not isinstance(items, list):
            problems.append(Problem(label, name, "must be a list of records"))
            continue
        for number, values in enumerate(items):
            line = lines.get(name, [])[number] if number < len(lines.get(name, [])) else None
            where = f"{label} line {line}" if line else f"{label} {name} {number + 1}"
            if not isinstance(values, dict):
                problems.append(Problem(where, None, f"a record of {name} must be a mapping"))
                continue
            yield Record(kind, where, values)


def read_records(paths: Sequence[Path], problems: list[Problem]) -> list[Record]:
    """Every record of the files (and folders) given; what cannot be read goes to `problems`."""
    records = []
    for path in record_files(paths):
        label = str(path)
        if not path.is_file():
            problems.append(Problem(label, None, "no such file"))
        elif path.suffix not in FILE_SUFFIXES:
            problems.append(Problem(label, None, "expected a .yaml file"))
        else:
            records += _file_records(path, label, problems)
    return records


# --- checking ------------------------------------------------------------------------------


@dataclass
class Checked:
    """A record whose fields passed its API schema (with stand-ins for the references)."""

    record: Record
    refs: Any
    fields: Any

    @property
    def key(self) -> str | None:
        """The record's key, if it has one."""
        return self.refs.key


def _validation_problems(where: str, error: ValidationError) -> list[Problem]:
    found = []
    for detail in error.errors(include_url=False):
        name = ".".join(str(part) for part in detail["loc"]) or None
        found.append(Problem(where, name, detail["msg"].removeprefix("Value error, ")))
    return found


def _stand_ins(kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
    """Values for the API fields that references replace, so that the rest of the record is
    checked before the rows it names exist (the references are checked on their own)."""
    stand_ins: dict[str, Any] = {}
    if "site_id" in kind.replaced:
        site = values.get("site")
        stand_ins["site_id"] = site if isinstance(site, int) and 1 <= site < 2**31 else 1
    for name in ("assessment_id", "before_id", "after_id"):
        if name in kind.replaced:
            stand_ins[name] = 1 if name != "assessment_id" else None
    if "before_id" in kind.replaced:
        stand_ins["after_id"] = 2
    for api_field, instead in kind.replaced.items():
        if api_field.endswith("_ids"):
            named = values.get(instead)
            count = len(named) if isinstance(named, list) else 0
            stand_ins[api_field] = list(range(1, min(count, 50) + 1))
    return stand_ins


def _check_one(record: Record, problems: list[Problem]) -> Checked | None:
    kind, values = record.kind, record.values
    ref_names = set(kind.refs.model_fields)
    for name, instead in kind.replaced.items():
        if name in values:
            problems.append(
                Problem(record.where, name, f"name the record with `{instead}` instead")
            )
            return None
    refs = fields = None
    try:
        refs = kind.refs.model_validate({k: v for k, v in values.items() if k in ref_names})
    except ValidationError as error:
        problems += _validation_problems(record.where, error)
    api_values = {k: v for k, v in values.items() if k not in ref_names}
    try:
        # Records are hand-written YAML: a quoted "34.5" or `yes` reads as it always has.
        fields = kind.schema.model_validate(api_values | _stand_ins(kind, values), **TEXT_INPUT)
    except ValidationError as error:
        problems += _validation_problems(record.where, error)
    if refs is None or fields is None:
        return None
    return Checked(record, refs, fields)


def _references(checked: Checked) -> Iterator[tuple[str, str, Any]]:
    """(field, kind named, reference) for every reference a record makes."""
    refs = checked.refs
    for source in getattr(refs, "sources", []):
        yield "sources", "sources", source
    for name in ("site", "monument", "assessment", "before", "after"):
        value = getattr(refs, name, None)
        if value is not None:
            yield name, REFERRED[name], value
    for monument in getattr(refs, "monuments", None) or []:
        yield "monuments", "monuments", monument
    for name in ("components", "attributes"):
        for reference in getattr(refs, name, None) or []:
            yield name, name, reference
    for level in getattr(refs, "component_levels", None) or []:
        yield "component_levels", "components", level.component


def _stored(session: Session, kind: str, row_id: int) -> bool:
    row = session.get(REFERRED_TABLES[kind], row_id)
    return row is not None and getattr(row, "deleted_at", None) is None


def check_records(
    *, session: Session, records: list[Record], problems: list[Problem], progress: Progress
) -> list[Checked]:
    """Check every record (its schema, keys used once, references that resolve) and return
    those that passed."""
    checked = []
    for record in records:
        progress(1)
        if (one := _check_one(record, problems)) is not None:
            checked.append(one)
    # Keys of every record, checked or not: naming a record that has problems of its own is
    # not a problem again.
    declared = {
        (record.kind.name, record.values["key"])
        for record in records
        if isinstance(record.values.get("key"), str)
    }
    keys: dict[tuple[str, str], str] = {}
    urls: dict[str, str] = {}
    external_ids: dict[tuple[Any, str], str] = {}
    for one in checked:
        external_id = getattr(one.fields, "external_id", None)
        if external_id is not None:
            first = external_ids.setdefault((one.refs.site, external_id), one.record.where)
            if first != one.record.where:
                problems.append(
                    Problem(
                        one.record.where,
                        "external_id",
                        f"'{external_id}' is already used by {first} for this site",
                    )
                )
        if one.key is not None:
            first = keys.setdefault((one.record.kind.name, one.key), one.record.where)
            if first != one.record.where:
                problems.append(
                    Problem(one.record.where, "key", f"'{one.key}' is already the key of {first}")
                )
        url = getattr(one.fields, "url", None) if one.record.kind.name == "sources" else None
        if url is not None:
            first = urls.setdefault(url, one.record.where)
            if first != one.record.where:
                problems.append(
                    Problem(one.record.where, "url", f"{first} is a source with this URL already")
                )
    for one in checked:
        for name, kind, reference in _references(one):
            if isinstance(reference, int):
                if not _stored(session, kind, reference):
                    problems.append(
                        Problem(
                            one.record.where, name, f"there is no {kind[:-1]} with id {reference}"
                        )
                    )
            elif (kind, reference) not in declared:
                problems.append(
                    Problem(
                        one.record.where, name, f"no record of {kind} has the key '{reference}'"
                    )
                )
    return checked


# --- storing -------------------------------------------------------------------------------


@dataclass
class Tally:
    """What storing did to the records of one kind."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class RecordsReport:
    """What an import did, kind by kind, the ids of the keyed records, and every problem."""

    records: int = 0
    tallies: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in KINDS})
    ids: dict[tuple[str, str], int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        """One line per kind that had records: added, updated, unchanged."""
        return "; ".join(
            f"{name.replace('_', ' ')}: {t.added} added, {t.updated} updated, "
            f"{t.unchanged} unchanged"
            for name, t in self.tallies.items()
            if t.added or t.updated or t.unchanged
        )


class _Skip(Exception):
    """A record that names a record which could not be stored (already reported)."""


def _as_stored(wanted: dict[str, Any]) -> dict[str, Any]:
    """Names and identifiers in the form the row holds them, so that an unchanged record
    compares equal; a record with `names` leaves `alt_names` to follow from them."""
    if wanted.get("names") is None:
        wanted.pop("names", None)
    else:
        wanted["names"] = names.plain(wanted["names"])
        wanted.pop("alt_names", None)
    wanted["identifiers"] = names.plain(wanted.get("identifiers")) or []
    return wanted


def _differences(row: Any, wanted: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in wanted.items() if getattr(row, name) != value}


def _description(description: str | None, cited: list[Source]) -> str | None:
    if not cited:
        return description
    paragraph = f"Sources: {sources.citation_text(cited)}"
    return f"{description}\n\n{paragraph}" if description else paragraph


class _Store:
    """Stores checked records in order, resolving their references as it goes."""

    def __init__(
        self, session: Session, report: RecordsReport, grid_degrees: float, actor: Caller
    ) -> None:
        self.session = session
        self.report = report
        self.grid_degrees = grid_degrees
        self.actor = actor

    def resolve(self, kind: str, reference: Any) -> int:
        if isinstance(reference, int):
            return reference
        found = self.report.ids.get((kind, reference))
        if found is None:
            raise _Skip(reference)
        return found

    def cited(self, refs: Any) -> list[Source]:
        ids = [self.resolve("sources", reference) for reference in refs.sources]
        return sources.require_sources(session=self.session, source_ids=ids)

    def author(self, refs: Any) -> Caller:
        # The published source is the author; whoever runs the import reviews the transcription.
        name = refs.author or "import of " + (
            ", ".join(str(reference) for reference in refs.sources) or "records"
        )
        return Caller(role=Role.staff, name=name)

    def tally(self, kind: str, outcome: str) -> None:
        tally = self.report.tallies[kind]
        setattr(tally, outcome, getattr(tally, outcome) + 1)

    def upsert(
        self,
        kind: str,
        found: Any,
        wanted: dict[str, Any],
        *,
        create: Callable[[], Any],
        update: Callable[[Any, dict[str, Any]], object],
    ) -> int:
        """The id of the record of `kind` that holds `wanted`: `create`d when none matched
        (`found` is None), else `update`d with what differs; tallied either way."""
        if found is None:
            found = create()
            self.tally(kind, "added")
        elif changes := _differences(found, wanted):
            update(found, changes)
            self.tally(kind, "updated")
        else:
            self.tally(kind, "unchanged")
        return found.id

    # --- each kind: stores one record, tallies what it did, returns the row's id ------------

    def sources(self, checked: Checked) -> int:
        wanted = checked.fields.model_dump()
        query = select(Source).order_by(Source.id).limit(1)
        if wanted["url"] is not None:
            query = query.where(Source.url == wanted["url"])
        else:
            # Without a URL, the title: a corrected date, author or publisher then updates it.
            query = query.where(Source.url.is_(None), Source.title == wanted["title"])
        return self.upsert(
            "sources",
            self.session.scalars(query).first(),
            wanted,
            create=lambda: sources.create_source(
                session=self.session, fields=wanted, actor=self.actor
            ),
            update=lambda source, changes: sources.update_source(
                session=self.session, source=source, changes=changes, actor=self.actor
            ),
        )

    def sites(self, checked: Checked) -> int:
        wanted = _as_stored(checked.fields.model_dump())
        wanted["description"] = _description(wanted["description"], self.cited(checked.refs))
        if wanted["whc_id"] is not None:
            query = select(Site).where(Site.whc_id == wanted["whc_id"])
        else:
            query = select(Site).where(
                Site.name == wanted["name"], Site.country == wanted["country"]
            )
        return self.upsert(
            "sites",
            self.session.scalars(query.order_by(Site.id).limit(1)).first(),
            wanted,
            create=lambda: sites.create_site(session=self.session, fields=wanted, actor=self.actor),
            update=lambda site, changes: sites.update_site(
                session=self.session, site=site, changes=changes, actor=self.actor
            ),
        )

    def monuments(self, checked: Checked) -> int:
        refs = checked.refs
        wanted = _as_stored(checked.fields.model_dump()) | {
            "site_id": self.resolve("sites", refs.site)
        }
        wanted["description"] = _description(wanted["description"], self.cited(refs))
        query = select(Monument).where(
            Monument.site_id == wanted["site_id"],
            Monument.deleted_at.is_(None),
            Monument.external_id == wanted["external_id"]
            if wanted["external_id"] is not None
            else Monument.name == wanted["name"],
        )
        return self.upsert(
            "monuments",
            self.session.scalars(query.order_by(Monument.id).limit(1)).first(),
            wanted,
            create=lambda: monuments.create_monument(
                session=self.session,
                fields=wanted,
                grid_degrees=self.grid_degrees,
                actor=self.actor,
            ),
            update=lambda monument, changes: monuments.update_monument(
                session=self.session,
                monument=monument,
                changes=changes,
                grid_degrees=self.grid_degrees,
                actor=self.actor,
            ),
        )

    def components(self, checked: Checked) -> int:
        refs = checked.refs
        monument = monuments.get_monument(
            session=self.session, monument_id=self.resolve("monuments", refs.monument)
        )
        wanted = checked.fields.model_dump() | {"source_ids": [s.id for s in self.cited(refs)]}
        query = select(MonumentComponent).where(
            MonumentComponent.monument_id == monument.id,
            MonumentComponent.name == wanted["name"],
        )
        return self.upsert(
            "components",
            self.session.scalars(query.order_by(MonumentComponent.id).limit(1)).first(),
            wanted,
            create=lambda: property_records.create_component(
                session=self.session, monument=monument, fields=wanted, actor=self.actor
            ),
            update=self.update_property_record,
        )

    def update_property_record(self, record: Any, changes: dict[str, Any]) -> None:
        property_records.update_record(
            session=self.session, record=record, changes=changes, actor=self.actor
        )

    def damage_assessments(self, checked: Checked) -> int:
        refs = checked.refs
        monument_id = self.resolve("monuments", refs.monument)
        cited = self.cited(refs)
        wanted = checked.fields.model_dump() | {"source_ids": [s.id for s in cited]}
        if wanted["disturbances"] and not wanted["causes"]:
            # The service takes the causes from the disturbances' agents; so does the match.
            wanted["causes"] = list(dict.fromkeys(d["cause_agent"] for d in wanted["disturbances"]))
        wanted["component_conditions"] = [
            {
                "component_id": self.resolve("components", level.component),
                "damage_level": level.damage_level,
                "note": level.note,
            }
            for level in refs.component_levels
        ]
        target = REVIEW_ORDER.index(AssessmentStatus(refs.status))
        found = self._matching_assessment(monument_id, wanted)
        if found is None:
            author = self.author(refs)
            found = assessments.create_assessment(
                session=self.session, monument_id=monument_id, fields=wanted, actor=author
            )
            self._advance(found, target, submitter=author)
            self.tally("damage_assessments", "added")
            return found.id
        changes = self._assessment_changes(found, wanted, checked.record.values)
        if changes and found.status != AssessmentStatus.draft:
            raise RegistryError(
                f"Assessment {found.id} already records this observation, {found.status}, "
                f"with a different {', '.join(sorted(changes))}; it can no longer change. "
                f"Record a correction as a new assessment with `supersedes: {found.id}`."
            )
        if changes:
            assessments.update_assessment(
                session=self.session, assessment=found, changes=changes, actor=self.actor
            )
        advanced = self._advance(found, target, submitter=self.actor)
        self.tally("damage_assessments", "updated" if changes or advanced else "unchanged")
        return found.id

    def _cited_ids(self, owner: Any, owner_id: int) -> list[int]:
        return sources.cited_ids(session=self.session, owner=owner, owner_id=owner_id)

    def _matching_assessment(
        self, monument_id: int, wanted: dict[str, Any]
    ) -> DamageAssessment | None:
        candidates = self.session.scalars(
            select(DamageAssessment)
            .where(
                DamageAssessment.monument_id == monument_id,
                DamageAssessment.observed_on == wanted["observed_on"],
                DamageAssessment.method == wanted["method"],
                DamageAssessment.damage_level == wanted["damage_level"],
            )
            .order_by(DamageAssessment.id)
        )
        for candidate in candidates:
            if set(self._cited_ids(assessments.CITING, candidate.id)) == set(wanted["source_ids"]):
                return candidate
        return None

    def _assessment_changes(
        self, found: DamageAssessment, wanted: dict[str, Any], given: dict[str, Any]
    ) -> dict[str, Any]:
        changes = {
            name: wanted[name]
            for name in ("extent_percent", "causes", "confidence", "notes")
            if getattr(found, name) != wanted[name]
        } | {
            name: wanted[name]
            for name in ("overall_condition", "disturbances", "threats", "component_conditions")
            if (name in given or (name == "component_conditions" and "component_levels" in given))
            and getattr(found, name) != wanted[name]
        }
        if found.supersedes_id != wanted["supersedes"]:
            changes["supersedes"] = wanted["supersedes"]
        # A free-text source the record does not give was written from its sources.
        if "source" in given and found.source != wanted["source"]:
            changes["source"] = wanted["source"]
        if self._cited_ids(assessments.CITING, found.id) != wanted["source_ids"]:
            changes["source_ids"] = wanted["source_ids"]
        return changes

    def _advance(self, assessment: DamageAssessment, target: int, *, submitter: Caller) -> bool:
        if assessment.status == AssessmentStatus.rejected:
            raise RegistryError(
                f"Assessment {assessment.id} records this observation and was rejected "
                f"({assessment.review_note}); correct the record, or remove it from the file."
            )
        moved = False
        while REVIEW_ORDER.index(assessment.status) < target:
            if assessment.status == AssessmentStatus.draft:
                assessments.submit_assessment(
                    session=self.session, assessment=assessment, actor=submitter
                )
            else:
                assessments.review_assessment(
                    session=self.session,
                    assessment=assessment,
                    decision="verify",
                    note=REVIEW_NOTE,
                    actor=self.actor,
                )
            moved = True
        return moved

    def restoration_assessments(self, checked: Checked) -> int:
        refs = checked.refs
        cited = self.cited(refs)
        wanted = checked.fields.model_dump() | {"source_ids": [s.id for s in cited]}
        if refs.site is not None:
            subjects = [("site_id", self.resolve("sites", refs.site))]
        else:
            targets = [refs.monument] if refs.monument is not None else refs.monuments
            subjects = [("monument_id", self.resolve("monuments", t)) for t in targets]
        # One row per subject, each tallied; the record's key names the last.
        row_ids = [
            self._restoration(subject, wanted, refs, checked.record.values) for subject in subjects
        ]
        return row_ids[-1]

    def _matching_restoration(
        self, subject: tuple[str, int], wanted: dict[str, Any]
    ) -> RestorationAssessment | None:
        """The stored record about the same subject, made the same day by the same claimant
        (by name and organisation), citing the same sources."""
        column, subject_id = subject
        claimant = wanted["claimant"] or {}
        who = {
            RestorationAssessment.claimant_name: claimant.get("name"),
            RestorationAssessment.claimant_organisation: claimant.get("organisation")
            or wanted["organisation"],
        }
        candidates = self.session.scalars(
            select(RestorationAssessment)
            .where(
                getattr(RestorationAssessment, column) == subject_id,
                RestorationAssessment.assessed_on == wanted["assessed_on"],
                *(c.is_(None) if v is None else c == v for c, v in who.items()),
            )
            .order_by(RestorationAssessment.id)
        )
        for candidate in candidates:
            cited = self._cited_ids(restorations.CITING, candidate.id)
            if set(cited) == set(wanted["source_ids"]):
                return candidate
        return None

    def _restoration_changes(
        self, found: RestorationAssessment, wanted: dict[str, Any], given: dict[str, Any]
    ) -> dict[str, Any]:
        """What differs between the stored record and the file's, in the API's terms."""
        stored = restorations.read_values(found)
        compared = set(wanted) - {
            "assessed_on",
            "claimant",
            "organisation",
            "restorable_percent",
            "prerequisites",
            "source_ids",
            "estimated_cost",
        }
        if "source" not in given:
            compared.discard("source")
        if wanted["restorable_percent"] is not None:  # a single figure is both ends
            wanted = wanted | dict.fromkeys(
                ("restorable_percent_min", "restorable_percent_max"), wanted["restorable_percent"]
            )
        changes = {name: wanted[name] for name in compared if stored[name] != wanted[name]}
        prerequisites = [restorations.stored_prerequisite(item) for item in wanted["prerequisites"]]
        if prerequisites != stored["prerequisite_status"]:
            changes["prerequisites"] = wanted["prerequisites"]
        if (wanted["claimant"] or None) != stored["claimant"] and wanted["claimant"]:
            changes["claimant"] = wanted["claimant"]
        cost = wanted["estimated_cost"]
        wanted_cost = (
            (None, None)
            if cost is None
            else (restorations.to_thousandths(cost["amount"]), cost["currency"])
        )
        if (found.estimated_cost_thousandths, found.estimated_cost_currency) != wanted_cost:
            changes["estimated_cost"] = cost
        if self._cited_ids(restorations.CITING, found.id) != wanted["source_ids"]:
            changes["source_ids"] = wanted["source_ids"]
        return changes

    def _restoration(
        self, subject: tuple[str, int], wanted: dict[str, Any], refs: Any, given: dict[str, Any]
    ) -> int:
        found = self._matching_restoration(subject, wanted)
        if found is None:
            column, subject_id = subject
            found = restorations.create_restoration(
                session=self.session,
                fields=wanted,
                actor=self.author(refs),
                **{column: subject_id},
            )
            if refs.status is not None and refs.status != RestorationStatus.proposed:
                for step in restorations.path_to(refs.status):
                    changes: dict[str, Any] = {"status": step}
                    if step == RestorationStatus.completed:
                        changes["completed_on"] = refs.completed_on
                    restorations.update_restoration(
                        session=self.session,
                        restoration=found,
                        changes=changes,
                        actor=self.actor,
                    )
            self.tally("restoration_assessments", "added")
            return found.id
        changes = self._restoration_changes(found, wanted, given)
        if refs.status is not None and found.status != refs.status:
            changes["status"] = refs.status
        if changes:
            restorations.update_restoration(
                session=self.session, restoration=found, changes=changes, actor=self.actor
            )
        self.tally("restoration_assessments", "updated" if changes else "unchanged")
        return found.id

    def evidence_items(self, checked: Checked) -> int:
        refs = checked.refs
        monument_id = self.resolve("monuments", refs.monument)
        cited = self.cited(refs)
        wanted = checked.fields.model_dump(exclude_none=True) | {
            "source_ids": [s.id for s in cited]
        }
        # The same published image of the same monument is the same record.
        found = self.session.scalars(
            select(EvidenceItem)
            .where(
                EvidenceItem.monument_id == monument_id,
                EvidenceItem.kind == wanted["kind"],
                EvidenceItem.source_url == wanted.get("source_url"),
                EvidenceItem.photo_id.is_(None),
            )
            .order_by(EvidenceItem.id)
            .limit(1)
        ).first()
        if found is not None:
            self.tally("evidence_items", "unchanged")
            return found.id
        item = evidence.create_item(
            session=self.session, monument_id=monument_id, fields=wanted, actor=self.actor
        )
        self.tally("evidence_items", "added")
        return item.id

    def image_pairs(self, checked: Checked) -> int:
        refs = checked.refs
        monument_id = self.resolve("monuments", refs.monument)
        before = self.resolve("evidence_items", refs.before)
        after = self.resolve("evidence_items", refs.after)
        assessment_id = (
            self.resolve("damage_assessments", refs.assessment)
            if refs.assessment is not None
            else None
        )
        found = evidence.find_pair(
            session=self.session, before_id=before, after_id=after, assessment_id=assessment_id
        )
        if found is not None:
            self.tally("image_pairs", "unchanged")
            return found.id
        pair = evidence.create_pair(
            session=self.session,
            monument_id=monument_id,
            before_id=before,
            after_id=after,
            assessment_id=assessment_id,
            actor=self.actor,
        )
        self.tally("image_pairs", "added")
        return pair.id


def _store_property_record(store: "_Store", name: str, checked: Checked) -> int:
    """An attribute, factor, corrective measure, benchmark, decision or mission: matched
    to what its site holds on `PROPERTY_KINDS`' fields, added or updated through the service."""
    model, matched_on = PROPERTY_KINDS[name]
    refs = checked.refs
    site = store.session.get(Site, store.resolve("sites", refs.site))
    wanted = checked.fields.model_dump() | {"source_ids": [s.id for s in store.cited(refs)]}
    links = (("monument_ids", "monuments"), ("component_ids", "components"),
             ("attribute_ids", "attributes"))  # fmt: skip
    for link, kind in links:
        if link in wanted:
            wanted[link] = [store.resolve(kind, r) for r in getattr(refs, kind)]
    query = select(model).where(model.site_id == site.id)
    for column in matched_on:
        query = query.where(getattr(model, column) == wanted[column])
    return store.upsert(
        name,
        store.session.scalars(query.order_by(model.id).limit(1)).first(),
        wanted,
        create=lambda: property_records.create_record(
            session=store.session, site=site, model=model, fields=wanted, actor=store.actor
        ),
        update=store.update_property_record,
    )


def _problem_field(error: RegistryError) -> str | None:
    for detail in error.extra.get("errors") or []:
        parts = [str(part) for part in detail.get("loc", ()) if part != "body"]
        if parts:
            return ".".join(parts)
    return None


def store_records(
    *,
    session: Session,
    checked: list[Checked],
    report: RecordsReport,
    grid_degrees: float,
    actor: Caller,
    progress: Progress,
) -> None:
    """Store checked records, kind by kind, each through its service; what a service refuses
    becomes a problem and the other records go on, so that one run lists every problem. The
    caller commits only when `report.problems` is empty."""
    store = _Store(session, report, grid_degrees, actor)
    for name in KINDS:
        for one in (c for c in checked if c.record.kind.name == name):
            progress(1)
            try:
                with session.begin_nested():
                    if name in PROPERTY_KINDS:
                        row_id = _store_property_record(store, name, one)
                    else:
                        row_id = getattr(store, name)(one)
            except _Skip:
                continue  # it names a record whose problem is reported already
            except RegistryError as error:
                report.problems.append(
                    Problem(one.record.where, _problem_field(error), error.detail)
                )
                continue
            if one.key is not None:
                report.ids[name, one.key] = row_id


def import_records(
    *,
    session: Session,
    paths: Sequence[Path],
    grid_degrees: float,
    actor: Caller,
    progress: Progress = _no_progress,
) -> RecordsReport:
    """Read, check and store the records of these files; with any problem, the report lists
    them all and the caller must roll back (nothing is stored once a file has a problem)."""
    report = RecordsReport()
    records = read_records(paths, report.problems)
    report.records = len(records)
    checked = check_records(
        session=session, records=records, problems=report.problems, progress=progress
    )
    if not report.problems:
        store_records(
            session=session,
            checked=checked,
            report=report,
            grid_degrees=grid_degrees,
            actor=actor,
            progress=progress,
        )
    return report
