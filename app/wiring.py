"""Start-up wiring: lower layers publish, higher layers subscribe.

Every entry point that writes (the application factory, the command line) calls `connect`
before its first write, so that no write skips a listener.
"""

from app.audit import service as audit
from app.webhooks import outbox


def connect() -> None:
    """Subscribe the listeners of the audit trail: the webhook outbox queues deliveries."""
    audit.subscribe(outbox.enqueue)
