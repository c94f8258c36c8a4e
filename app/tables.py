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
from app.restoration.models import RestorationAssessment, RestorationAssessmentSource
from app.sites.models import Site
from app.sources.models import Source
from app.ui.models import EndedSession
from app.uploads.models import Upload
from app.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "ApiKey",
    "AuditEvent",
    "DamageAssessment",
    "DamageAssessmentSource",
    "EndedSession",
    "EvidenceItem",
    "EvidenceItemSource",
    "ImagePair",
    "Monument",
    "MonumentIdentifier",
    "MonumentName",
    "Photo",
    "PhotoSource",
    "PhotoUploadKey",
    "RestorationAssessment",
    "RestorationAssessmentSource",
    "Site",
    "Source",
    "Upload",
    "WebhookDelivery",
    "WebhookSubscription",
    "metadata",
]
