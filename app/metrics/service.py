"""Figures read from the database at scrape time, the same whichever worker answers."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.audit.models import AuditEvent
from app.webhooks.models import DeliveryStatus, WebhookDelivery


# eq=False: a collector must be hashable to be registered.
@dataclass(frozen=True, eq=False)
class RegistryFigures:
    """What the database holds: the audit chain's length, webhook deliveries by status."""

    database_up: bool
    audit_chain_length: int = 0
    deliveries: dict[str, int] = field(default_factory=dict)
    failed_attempts: int = 0

    def collect(self) -> Iterator[Metric]:
        """The figures as Prometheus metric families (a prometheus-client collector)."""
        up = GaugeMetricFamily("heritage_database_up", "1 when the database answered the scrape.")
        up.add_metric([], 1 if self.database_up else 0)
        yield up
        if not self.database_up:
            return
        chain = GaugeMetricFamily(
            "heritage_audit_chain_length", "Events in the hash-chained audit trail."
        )
        chain.add_metric([], self.audit_chain_length)
        yield chain
        deliveries = GaugeMetricFamily(
            "heritage_webhook_deliveries",
            "Webhook deliveries by status (pending, delivered, failed, cancelled).",
            labels=["status"],
        )
        for status in DeliveryStatus:
            deliveries.add_metric([status.value], self.deliveries.get(status.value, 0))
        yield deliveries
        failures = CounterMetricFamily(
            "heritage_webhook_failed_attempts",
            "Delivery attempts that a receiver did not accept (error, timeout or non-2xx).",
        )
        failures.add_metric([], self.failed_attempts)
        yield failures


def registry_figures(*, session: Session) -> RegistryFigures:
    """The current figures; `database_up` false (and no figures) when it cannot be read."""
    try:
        chain_length = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        rows = session.execute(
            select(
                WebhookDelivery.status,
                func.count(),
                # Every attempt but a delivered row's last one failed.
                func.sum(
                    WebhookDelivery.attempts
                    - case((WebhookDelivery.status == DeliveryStatus.delivered, 1), else_=0)
                ),
            ).group_by(WebhookDelivery.status)
        ).all()
    except SQLAlchemyError:
        return RegistryFigures(database_up=False)
    return RegistryFigures(
        database_up=True,
        audit_chain_length=chain_length,
        deliveries={str(status): count for status, count, _ in rows},
        failed_attempts=sum(int(failed or 0) for _, _, failed in rows),
    )
