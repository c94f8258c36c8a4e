"""Every table of the registry, imported in one place so Alembic sees the whole schema."""

# Importing a package's models defines its tables on the one metadata; nothing else here
# is needed, so no list of table names has to be kept in step with the packages.
from app.assessments import models as assessments
from app.audit import models as audit
from app.core.db import metadata
from app.keys import models as keys
from app.monuments import models as monuments
from app.photos import models as photos
from app.property import models as property_layer
from app.restoration import models as restoration
from app.sites import models as sites
from app.sources import models as sources
from app.ui import models as ui
from app.uploads import models as uploads
from app.webhooks import models as webhooks

MODELS = (
    assessments,
    audit,
    keys,
    monuments,
    photos,
    property_layer,
    restoration,
    sites,
    sources,
    ui,
    uploads,
    webhooks,
)

__all__ = ["MODELS", "metadata"]
