"""What the changes feed and webhooks publish: entity types, their actions and their URLs.

An allow-list: an entity type the registry audits but that is not named here (API keys,
webhook subscriptions) is never published, so a new kind of record stays private until it
is added here on purpose. This module imports no service, so the audit trail's outbox
hook can use it without an import cycle.
"""

from enum import StrEnum
from typing import Any

from app.audit.models import AuditEvent
from app.core.pagination import encode_cursor


class FeedEntity(StrEnum):
    """The kinds of record whose changes are published."""

    site = "site"
    monument = "monument"
    damage_assessment = "damage_assessment"
    restoration_assessment = "restoration_assessment"
    photo = "photo"
    source = "source"
    evidence_item = "evidence_item"
    property_attribute = "property_attribute"
    property_factor = "property_factor"
    corrective_measure = "corrective_measure"
    benchmark = "benchmark"
    committee_decision = "committee_decision"
    mission = "mission"
    monument_component = "monument_component"


# The property layer (app/property): public, like the sites they describe.
PROPERTY_ENTITIES = (
    FeedEntity.property_attribute,
    FeedEntity.property_factor,
    FeedEntity.corrective_measure,
    FeedEntity.benchmark,
    FeedEntity.committee_decision,
    FeedEntity.mission,
    FeedEntity.monument_component,
)

RESTORATION_STATUS_ACTIONS = tuple(
    f"status:{status}" for status in ("proposed", "approved", "in_progress", "completed", "on_hold")
)


# The actions the services record for each published entity type.
ACTIONS: dict[FeedEntity, tuple[str, ...]] = {
    FeedEntity.site: ("create", "update"),
    FeedEntity.monument: ("create", "update", "delete"),
    FeedEntity.damage_assessment: ("create", "update", "submit", "verify", "reject"),
    FeedEntity.restoration_assessment: ("create", "update", *RESTORATION_STATUS_ACTIONS),
    FeedEntity.photo: ("create", "delete"),
    FeedEntity.source: ("create", "update"),
    FeedEntity.evidence_item: ("create",),
    **{entity: ("create", "update") for entity in PROPERTY_ENTITIES},
}

# What anonymous callers, partners and field teams are shown of each entity type: the
# public may read every site and monument, but of assessments only verified ones, so of
# their workflow only the verification.
PUBLIC_ACTIONS: dict[FeedEntity, tuple[str, ...]] = {
    FeedEntity.site: ACTIONS[FeedEntity.site],
    FeedEntity.monument: ACTIONS[FeedEntity.monument],
    FeedEntity.damage_assessment: ("verify",),
    FeedEntity.restoration_assessment: ACTIONS[FeedEntity.restoration_assessment],
    FeedEntity.photo: ACTIONS[FeedEntity.photo],
    FeedEntity.source: ACTIONS[FeedEntity.source],
    FeedEntity.evidence_item: ACTIONS[FeedEntity.evidence_item],
    **{entity: ACTIONS[entity] for entity in PROPERTY_ENTITIES},
}

_PATHS: dict[FeedEntity, str] = {
    FeedEntity.site: "/api/v1/sites/{id}",
    FeedEntity.monument: "/api/v1/monuments/{id}",
    FeedEntity.damage_assessment: "/api/v1/assessments/{id}",
    FeedEntity.restoration_assessment: "/api/v1/restoration-assessments/{id}",
    FeedEntity.photo: "/api/v1/photos/{id}",
    FeedEntity.source: "/api/v1/sources/{id}",
    FeedEntity.evidence_item: "/api/v1/evidence/{id}",
    FeedEntity.property_attribute: "/api/v1/attributes/{id}",
    FeedEntity.property_factor: "/api/v1/factors/{id}",
    FeedEntity.corrective_measure: "/api/v1/corrective-measures/{id}",
    FeedEntity.benchmark: "/api/v1/benchmarks/{id}",
    FeedEntity.committee_decision: "/api/v1/decisions/{id}",
    FeedEntity.mission: "/api/v1/missions/{id}",
    FeedEntity.monument_component: "/api/v1/components/{id}",
}

# Webhook event types, `<entity type>.<action>`, e.g. `monument.update`.
EVENT_TYPES: tuple[str, ...] = tuple(
    f"{entity}.{action}" for entity, actions in ACTIONS.items() for action in actions
)


def href(entity_type: str, entity_id: int) -> str:
    """The API path of a published entity."""
    return _PATHS[FeedEntity(entity_type)].format(id=entity_id)


def event_type(entity_type: str, action: str) -> str | None:
    """The webhook event type of an audited write; None when it is not published."""
    name = f"{entity_type}.{action}"
    return name if name in EVENT_TYPES else None


# The event types the public feed shows: what `*` and `<entity>.*` subscribe to.
PUBLIC_EVENT_TYPES: frozenset[str] = frozenset(
    f"{entity}.{action}" for entity, actions in PUBLIC_ACTIONS.items() for action in actions
)


def matches(patterns: list[str], name: str) -> bool:
    """Whether an event type is selected by any of `*`, `<entity>.*` or `<entity>.<action>`.

    The wildcards select only what the public feed shows, as partners see it: drafts,
    submissions and rejections of assessments reach a receiver only when named explicitly.
    """
    if name in patterns:
        return True
    entity = name.partition(".")[0]
    wildcard = any(pattern in ("*", f"{entity}.*") for pattern in patterns)
    return wildcard and name in PUBLIC_EVENT_TYPES


def is_valid_pattern(pattern: str) -> bool:
    """Whether a subscription may name this: `*`, `<entity>.*` or a published event type."""
    if pattern == "*" or pattern in EVENT_TYPES:
        return True
    entity, _, action = pattern.partition(".")
    return action == "*" and entity in FeedEntity.__members__


def change_data(event: AuditEvent) -> dict[str, Any]:
    """What a change says about itself, in the feed and in webhooks: never the state itself."""
    monument_id = None
    if event.entity_type == FeedEntity.monument:
        monument_id = event.entity_id
    elif event.state:
        monument_id = event.state.get("monument_id")
    return {
        "id": event.id,
        "cursor": encode_cursor(event.id),
        "occurred_at": event.occurred_at,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "action": event.action,
        "href": href(event.entity_type, event.entity_id),
        "monument_id": monument_id,
    }
