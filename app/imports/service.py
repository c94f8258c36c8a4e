"""Importing inventories: monuments from CSV or GeoJSON, photos from a folder.

Monuments are all or nothing: every row is checked first (against `ImportedMonument`, which
is the API's `MonumentCreate` plus `external_id`, and against the database), every problem
is reported with its line or feature number, and only a file without any problem is
written, in one transaction. A re-run matches rows to monuments by (site, external_id), so
it changes nothing unless the file changed. Photos go one by one through
`photos.add_photo`, as uploads do; their dedupe makes a re-run add nothing.
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geojson_pydantic import Feature, Point
from pydantic import ValidationError
from sqlmodel import Session, select

from app.core.actors import Caller
from app.core.multipart import ReceivedFile, received_from_disk, safe_file_name
from app.core.schemas import TEXT_INPUT
from app.core.storage import Storage
from app.imports.schemas import COLUMNS, ImportedMonument
from app.monuments import service as monuments
from app.monuments.models import Monument
from app.photos import service as photos
from app.sites.models import Site

Progress = Callable[[int], None]
# Several alternative names in one CSV cell, as the reports' CSV writes them.
ALT_NAME_SEPARATOR = ";"
PHOTO_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".heic", ".heif"})


def _no_progress(_: int) -> None:
    pass


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file, and where: `line 4` (CSV) or `feature 2` (GeoJSON)."""

    where: str
    field: str | None
    message: str

    @property
    def position(self) -> tuple[int, int]:
        """Where it is, for listing problems in file order (the whole file first)."""
        _, _, number = self.where.partition(" ")
        return (1, int(number)) if number.isdigit() else (0, 0)

    def __str__(self) -> str:
        return f"{self.where}: " + (f"{self.field}: " if self.field else "") + self.message


@dataclass
class SourceRow:
    """One monument as the file states it, before any check."""

    where: str
    values: dict[str, Any]


@dataclass
class MonumentPlan:
    """What importing a file would do, and every problem that stops it."""

    creates: list[ImportedMonument] = field(default_factory=list)
    updates: list[tuple[Monument, dict[str, Any]]] = field(default_factory=list)
    unchanged: list[Monument] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows that would be stored or are already stored as they are."""
        return len(self.creates) + len(self.updates) + len(self.unchanged)


def _csv_rows(path: Path, problems: list[Problem]) -> Iterator[SourceRow]:
    # utf-8-sig: spreadsheet programs start UTF-8 files with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file)
        header = next(reader, None)
        if header is None:
            problems.append(Problem("line 1", None, "the file is empty; expected a header row"))
            return
        names = [name.strip() for name in header]
        for name in names:
            if name not in COLUMNS:
                problems.append(
                    Problem(
                        "line 1",
                        name or "(empty)",
                        f"unknown column; the columns are: {', '.join(COLUMNS)}",
                    )
                )
        for name in {name for name in names if names.count(name) > 1}:
            problems.append(Problem("line 1", name, "the column appears more than once"))
        line = reader.line_num + 1
        while True:
            where = f"line {line}"
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:  # a NUL byte, an unterminated quote at the end
                problems.append(Problem(where, None, f"unreadable CSV: {error}"))
                break
            line = reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # blank lines between blocks of a spreadsheet
            if len(cells) != len(names):
                problems.append(
                    Problem(where, None, f"{len(cells)} cells, but the header has {len(names)}")
                )
                continue
            values: dict[str, Any] = {}
            for name, cell in zip(names, cells, strict=True):
                # An empty cell is "not given": the API's default applies.
                if name in COLUMNS and cell.strip():
                    values[name] = cell
            if "alt_names" in values:
                values["alt_names"] = [
                    part.strip()
                    for part in values["alt_names"].split(ALT_NAME_SEPARATOR)
                    if part.strip()
                ]
            yield SourceRow(where, values)


_PointFeature = Feature[Point, dict[str, Any]]
_POINT_NEEDED = "a monument needs a Point geometry with [lon, lat] coordinates"


def _got(raw: Any) -> str:
    geometry = raw.get("geometry") if isinstance(raw, dict) else None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    return f" (got a {kind})" if isinstance(kind, str) and kind != "Point" else ""


def _geojson_rows(path: Path, problems: list[Problem]) -> Iterator[SourceRow]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(Problem("file", None, f"not a JSON document: {error}"))
        return
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        problems.append(Problem("file", None, "expected a GeoJSON FeatureCollection"))
        return
    features = document.get("features")
    if not isinstance(features, list):
        problems.append(Problem("file", "features", "must be a list of features"))
        return
    for number, raw in enumerate(features, start=1):
        where = f"feature {number}"
        try:
            feature = _PointFeature.model_validate(raw)
        except ValidationError as error:
            details = error.errors(include_url=False)
            if any(detail["loc"][:1] == ("geometry",) for detail in details):
                # One line, not one per alternative Position shape pydantic tried.
                problems.append(Problem(where, "geometry", _POINT_NEEDED + _got(raw)))
            for detail in details:
                if detail["loc"][:1] != ("geometry",):
                    location = ".".join(str(part) for part in detail["loc"]) or None
                    problems.append(Problem(where, location, detail["msg"]))
            continue
        if feature.geometry is None:
            problems.append(Problem(where, "geometry", _POINT_NEEDED + " (got none)"))
            continue
        values = dict(feature.properties or {})
        for name in ("lat", "lon"):
            if name in values:
                problems.append(
                    Problem(where, f"properties.{name}", "the position comes from the geometry")
                )
        position = feature.geometry.coordinates
        values["lon"], values["lat"] = position[0], position[1]
        if "external_id" not in values and feature.id is not None:
            values["external_id"] = str(feature.id)
        yield SourceRow(where, values)


def read_monuments(path: Path, problems: list[Problem]) -> list[SourceRow]:
    """The rows of a CSV or GeoJSON inventory; what cannot be read goes to `problems`."""
    if path.suffix.lower() in (".geojson", ".json"):
        return list(_geojson_rows(path, problems))
    if path.suffix.lower() in (".csv", ".txt"):
        rows = []
        try:
            rows.extend(_csv_rows(path, problems))
        except UnicodeDecodeError as error:
            problems.append(
                Problem(
                    "file",
                    None,
                    f"not UTF-8 text (byte {error.start} is not): save it as CSV UTF-8",
                )
            )
        return rows
    problems.append(Problem("file", None, "expected a .csv or a .geojson file"))
    return []


def _changes(monument: Monument, wanted: ImportedMonument) -> dict[str, Any]:
    # An inventory carries no names with languages nor identifiers: those stay as they are.
    fields = wanted.model_dump(exclude={"external_id", "names", "identifiers"})
    return {name: value for name, value in fields.items() if getattr(monument, name) != value}


def plan_monuments(
    *, session: Session, rows: list[SourceRow], problems: list[Problem], progress: Progress
) -> MonumentPlan:
    """Check every row (the API's rules, known sites, one row per external_id) and sort the
    good ones into new, changed and unchanged monuments."""
    plan = MonumentPlan(problems=problems)
    seen: dict[tuple[int, str], str] = {}
    site_ids = set(session.exec(select(Site.id)).all())
    for row in rows:
        progress(1)
        try:
            # A CSV cell is text ("38.2", "true"); a GeoJSON inventory's properties are
            # read the same way, as the inventory's tool wrote them.
            wanted = ImportedMonument.model_validate(row.values, **TEXT_INPUT)
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                name = ".".join(str(part) for part in detail["loc"]) or None
                plan.problems.append(Problem(row.where, name, detail["msg"]))
            continue
        if wanted.site_id not in site_ids:
            plan.problems.append(
                Problem(row.where, "site_id", f"{wanted.site_id} does not name a site")
            )
            continue
        key = (wanted.site_id, wanted.external_id)
        if key in seen:
            plan.problems.append(
                Problem(
                    row.where,
                    "external_id",
                    f"'{wanted.external_id}' is already used by {seen[key]} for this site",
                )
            )
            continue
        seen[key] = row.where
        existing = session.exec(
            select(Monument).where(
                Monument.site_id == wanted.site_id, Monument.external_id == wanted.external_id
            )
        ).first()
        if existing is None:
            plan.creates.append(wanted)
        elif existing.deleted_at is not None:
            plan.problems.append(
                Problem(
                    row.where,
                    "external_id",
                    f"monument {existing.id} with this external_id was withdrawn; "
                    "remove the row or give it another external_id",
                )
            )
        elif changes := _changes(existing, wanted):
            plan.updates.append((existing, changes))
        else:
            plan.unchanged.append(existing)
    plan.problems.sort(key=lambda problem: problem.position)
    return plan


def apply_monuments(
    *,
    session: Session,
    plan: MonumentPlan,
    grid_degrees: float,
    actor: Caller,
    progress: Progress,
) -> None:
    """Store a plan without problems: each monument through the same service as the API
    (so each write is audited); the caller commits once, at the end."""
    if plan.problems:
        raise ValueError("a plan with problems is never applied")
    for wanted in plan.creates:
        monuments.create_monument(
            session=session, fields=wanted.model_dump(), grid_degrees=grid_degrees, actor=actor
        )
        progress(1)
    for monument, changes in plan.updates:
        monuments.update_monument(
            session=session,
            monument=monument,
            changes=changes,
            grid_degrees=grid_degrees,
            actor=actor,
        )
        progress(1)


@dataclass(frozen=True)
class PhotoFile:
    """A file of the folder and the monument it goes to (None: no monument matched)."""

    path: Path
    monument_id: int | None


@dataclass
class PhotoReport:
    """What importing a folder of photos did, file by file."""

    added: list[tuple[Path, int]] = field(default_factory=list)
    duplicates: list[tuple[Path, int]] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def photo_files(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The photo files of a folder (by extension, not hidden), and the other files."""
    photos_found, others = [], []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix.lower() in PHOTO_EXTENSIONS:
            photos_found.append(path)
        else:
            others.append((path, "not a photo file name (.jpg, .png, .webp, .tif, .heic)"))
    return photos_found, others


def match_by_name(*, session: Session, site_id: int, paths: list[Path]) -> list[PhotoFile]:
    """Each file with the site's monument whose external_id its name starts with:
    `PAL-012.jpg` or `PAL-012_east-gate.jpg` go to PAL-012 (the longest match wins)."""
    known = dict(
        session.exec(
            select(Monument.external_id, Monument.id).where(
                Monument.site_id == site_id,
                Monument.external_id.is_not(None),
                Monument.deleted_at.is_(None),
            )
        ).all()
    )
    matched = []
    for path in paths:
        parts = path.stem.split("_")
        candidates = ("_".join(parts[:n]) for n in range(len(parts), 0, -1))
        monument_id = next((known[c] for c in candidates if c in known), None)
        matched.append(PhotoFile(path, monument_id))
    return matched


def received_file(path: Path) -> ReceivedFile:
    """A file of the folder as the photo pipeline takes it (hashed; read, never moved)."""
    return received_from_disk(path, file_name=safe_file_name(path.name))


def import_photo(
    *,
    session: Session,
    storage: Storage,
    file: PhotoFile,
    fields: dict[str, Any],
    rules: photos.ImageRules,
    actor: Caller,
) -> photos.UploadOutcome:
    """Add one file as a photo of its monument, exactly as an upload of it would be (same
    checks, EXIF, derivatives, dedupe, audit); refusals raise as for an upload."""
    return photos.add_photo(
        session=session,
        storage=storage,
        monument_id=file.monument_id,
        upload=received_file(file.path),
        fields=fields,
        idempotency_key=None,
        rules=rules,
        actor=actor,
    )
