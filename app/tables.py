"""Every table of the registry, imported in one place so Alembic sees the whole schema."""

from app.assessments.models import DamageAssessment, DamageAssessmentSource, ImagePair
from app.audit.models import AuditEvent
from app.core.db import metadata
from app.keys.models import ApiKey
from app.monuments.models import Monument, MonumentIdentifier, MonumentName
from app.photos.models import (
    EvidenceItem,
    EvidenceItemSource,
    Photo,
    PhotoSource,
    PhotoUploadKey,
)
from app.property.models import (
    Benchmark,
    CommitteeDecision,
    CorrectiveMeasure,
    Mission,
    MonumentComponent,
    PropertyAttribute,
    PropertyFactor,
)
from app.restoration.models import RestorationAssessment, RestorationAssessmentSource
from app.sites.models import Site
from app.sources.models import Source
from app.ui.models import EndedSession
from app.uploads.models import Upload
from app.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Benchmark",
    "CommitteeDecision",
    "CorrectiveMeasure",
    "DamageAssessment",
    "DamageAssessmentSource",
    "EndedSession",
    "EvidenceItem",
    "EvidenceItemSource",
    "ImagePair",
    "Mission",
    "Monument",
    "MonumentComponent",
    "MonumentIdentifier",
    "MonumentName",
    "Photo",
    "PhotoSource",
    "PhotoUploadKey",
    "PropertyAttribute",
    "PropertyFactor",
    "RestorationAssessment",
    "RestorationAssessmentSource",
    "Site",
    "Source",
    "Upload",
    "WebhookDelivery",
    "WebhookSubscription",
    "metadata",
]
