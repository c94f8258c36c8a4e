"""Every table of the registry, imported in one place so Alembic sees the whole schema."""

from app.assessments.models import DamageAssessment
from app.audit.models import AuditEvent
from app.core.db import metadata
from app.keys.models import ApiKey
from app.monuments.models import Monument
from app.photos.models import Photo, PhotoUploadKey
from app.restoration.models import RestorationAssessment
from app.sites.models import Site
from app.ui.models import EndedSession
from app.uploads.models import Upload
from app.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "ApiKey",
    "AuditEvent",
    "DamageAssessment",
    "EndedSession",
    "Monument",
    "Photo",
    "PhotoUploadKey",
    "RestorationAssessment",
    "Site",
    "Upload",
    "WebhookDelivery",
    "WebhookSubscription",
    "metadata",
]
