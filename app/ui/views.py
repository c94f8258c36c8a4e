"""What the pages show, shaped for templates: map points, labels, distances."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.assessments.models import (
    AssessmentMethod,
    Confidence,
    DamageCause,
    DamageLevel,
)
from app.catalogue.schemas import MonumentRead
from app.monuments.models import MonumentType
from app.reports.formats import LEVEL_COLOURS, project
from app.reports.schemas import UNASSESSED, level_or_unassessed
from app.restoration.models import (
    Approach,
    Feasibility,
    Prerequisite,
    Priority,
    RestorationKind,
)

MAP_WIDTH, MAP_HEIGHT = 640, 440
PAGE_SIZE = 50
HISTORY_LIMIT = 200
# The controlled words forms offer, by the name templates use.
CHOICES = {
    "monument_types": list(MonumentType),
    "damage_levels": list(DamageLevel),
    "methods": list(AssessmentMethod),
    "causes": list(DamageCause),
    "confidences": list(Confidence),
    "kinds": list(RestorationKind),
    "feasibilities": list(Feasibility),
    "approaches": list(Approach),
    "priorities": list(Priority),
    "prerequisites": list(Prerequisite),
}
# Every level in scale order, then "unassessed": the map's legend.
LEGEND = [*(level.value for level in DamageLevel), UNASSESSED]


@dataclass(frozen=True)
class MapPoint:
    """A monument on the site map."""

    monument_id: int
    name: str
    x: float
    y: float
    level: str
    colour: str
    generalised: bool


def site_map(monuments: Sequence[MonumentRead]) -> list[MapPoint]:
    """Monuments placed by the position the caller may see (generalised where sensitive, for
    anonymous and partner readers) and coloured by current condition."""
    # A wide margin keeps markers (and the finger that taps them) inside the map.
    positions = project([(m.lat, m.lon) for m in monuments], MAP_WIDTH, MAP_HEIGHT, margin=36)
    points = []
    for monument, (x, y) in zip(monuments, positions, strict=True):
        condition = monument.current_condition
        level = level_or_unassessed(condition)
        points.append(
            MapPoint(
                monument_id=monument.id,
                name=monument.name,
                x=x,
                y=y,
                level=level,
                colour=LEVEL_COLOURS[level],
                generalised=monument.location_generalised,
            )
        )
    return points


def words(value: object) -> str:
    """A controlled word as text: `severe_damage` → `severe damage`."""
    if value is None:
        return ""
    return str(getattr(value, "value", value)).replace("_", " ")


def distance(metres: float | None) -> str:
    """A distance for people: metres up to a kilometre, then kilometres."""
    if metres is None:
        return ""
    if metres < 1000:
        return f"{metres:.0f} m"
    return f"{metres / 1000:.1f} km"


def file_size(size: int) -> str:
    """A byte count for people."""
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# `level`: a condition's damage level as the reports name it (`unassessed` where there is none).
FILTERS = {
    "words": words,
    "distance": distance,
    "file_size": file_size,
    "level": level_or_unassessed,
}
