"""HTTP route for /metrics: Prometheus text format (open, like the health probes)."""

from fastapi import APIRouter, Response

from app.core import instrumentation
from app.core.dependencies import ReadSessionDep
from app.metrics import service

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def read_metrics(session: ReadSessionDep) -> Response:
    """Requests and latency by route and status, uploads and their bytes, webhook deliveries
    and failed attempts, the audit chain's length, in the Prometheus text format."""
    body, content_type = instrumentation.exposition(service.registry_figures(session=session))
    return Response(body, media_type=content_type)
