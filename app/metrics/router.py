"""HTTP route for /metrics: Prometheus text format, for the scraper's token or admin keys.

Metrics tell how the service is used (routes, uploads, failures, webhook backlog): not for
the public. A Prometheus scraper sends `Authorization: Bearer <HERITAGE_METRICS_TOKEN>`
(its `authorization: credentials` setting); people read them with an admin key.
"""

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.core import instrumentation
from app.core.actors import Role
from app.core.auth import ensure_role, identify_caller
from app.core.dependencies import DatabaseDep, ReadSessionDep, SettingsDep
from app.metrics import service

router = APIRouter(tags=["health"])


def require_scraper(request: Request, database: DatabaseDep, settings: SettingsDep) -> None:
    """Let through the configured scraper token, or an admin key (401/403 otherwise)."""
    token = settings.metrics_token
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if (
        token is not None
        and scheme.lower() == "bearer"
        and hmac.compare_digest(presented.strip().encode(), token.get_secret_value().encode())
    ):
        return
    ensure_role(identify_caller(request, database), Role.admin)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def read_metrics(session: ReadSessionDep, _: Annotated[None, Depends(require_scraper)]) -> Response:
    """Requests and latency by route and status, uploads and their bytes, webhook deliveries
    and failed attempts, the audit chain's length, in the Prometheus text format (the
    scraper's token, `HERITAGE_METRICS_TOKEN`, or an admin key)."""
    body, content_type = instrumentation.exposition(service.registry_figures(session=session))
    return Response(body, media_type=content_type)
