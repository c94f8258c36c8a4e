"""Service settings, read from `HERITAGE_*` environment variables (and a `.env` file)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _comma_separated(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _rate_limit(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a rate limit; write e.g. '300/minute' or '5/second;100/hour'"
        ) from None
    return value.strip()


# A list given in the environment as comma-separated words (not as JSON).
HostList = Annotated[list[str], NoDecode, BeforeValidator(_comma_separated)]
# A rate limit in the `limits` notation, checked at start-up; empty: no limit.
RateLimit = Annotated[str | None, AfterValidator(_rate_limit)]
# A wait or a duration, in seconds.
Seconds = Annotated[float, Field(gt=0)]


class Settings(BaseSettings):
    """Every setting of the service; docs/configuration.md is generated from these fields."""

    model_config = SettingsConfigDict(env_prefix="HERITAGE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./data/heritage.db",
        description="SQLAlchemy URL of the database: `sqlite:///path/to/file.db`, or PostgreSQL "
        "as `postgresql+psycopg://user@host/db`",
    )
    media_root: Path = Field(
        default=Path("./data/media"),
        description="Folder for photo originals and derivatives (with "
        "`HERITAGE_STORAGE_BACKEND=local`)",
    )
    signing_key_file: Path = Field(
        default=Path("./data/keys/evidence-signing-key.pem"),
        description="Ed25519 private key (PEM) that signs evidence packages; created on first "
        "use, readable by the registry only. Its public key is at /api/v1/signing-keys",
    )
    max_json_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest JSON request body accepted, in bytes (1 MiB by default; `413` past "
        "it)",
    )
    default_page_size: int = Field(
        default=50,
        ge=1,
        le=200,
        description="Not read at present: each list route defaults `limit` to 50 itself (1–200 "
        "accepted)",
    )
    sensitive_grid_degrees: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="Grid, in degrees, that sensitive monuments' coordinates are rounded to for "
        "anonymous and partner readers",
    )
    database_echo: bool = Field(default=False, description="Log every SQL statement")
    read_cache_entries: int = Field(
        default=10_000,
        ge=0,
        description="Monument answers, monument documents and accepted API keys each worker "
        "keeps in memory (each of the three read layers up to this many) until the next commit "
        "to the registry (keys: the next that may write a key; seen without a "
        "query: SQLite's data_version, PostgreSQL's LISTEN/NOTIFY, so never stale; see "
        "docs/architecture.md); `0` turns them off",
    )

    # Photo evidence.
    max_upload_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1024,
        description="Largest photo file accepted, in bytes (100 MiB by default; `413` past it, "
        "multipart and tus alike); phones send 2–15 MB, scans more",
    )
    max_image_pixels: int = Field(
        default=64_000_000,
        ge=1,
        description="Largest image decoded, width × height (a 61-MP camera fits); past it the "
        "upload is a decompression bomb (`422`). Decoding needs about 4 bytes per pixel",
    )
    max_decode_bytes: int = Field(
        default=224 * 1024 * 1024,
        ge=32 * 1024 * 1024,
        description="Memory that decoding images may take at once in one worker process, "
        "estimated from each file's header before a pixel is decoded: an image that alone "
        "would need more is refused (422), uploads that together would need more wait for "
        "each other (503 after a minute). 224 MiB decodes a 24-megapixel HEIC, any JPEG up to "
        "max_image_pixels, a 40-megapixel PNG or TIFF; a lossless WebP costs four times "
        "what a PNG of its size does (12 megapixels)",
    )
    min_image_side: int = Field(
        default=32,
        ge=1,
        description="Shortest image side accepted, in pixels (`422` below it, so a 1×1 image is "
        "refused; `1` accepts any size)",
    )
    photo_mismatch_metres: float = Field(
        default=2000,
        gt=0,
        description="Distance from the monument, in metres, past which a photo's GPS position "
        "sets `location_mismatch` (and the web pages warn)",
    )
    upload_temp_dir: Path | None = Field(
        default=None,
        description="Folder where uploads are spooled while they arrive (unset: the system's "
        "temporary folder). Must be on disk: a RAM-backed `/tmp` would hold whole uploads in "
        "memory",
    )
    resumable_uploads_dir: Path = Field(
        default=Path("./data/uploads"),
        description="Folder where resumable (tus) uploads keep their bytes until complete; on "
        "disk, shared by every worker process that serves `/api/v1/uploads`",
    )
    resumable_upload_expiry_seconds: int = Field(
        default=72 * 3600,
        ge=1,
        description="How long a resumable upload lives after its last chunk (72 h by default), "
        "and how long a finished or refused one's outcome stays readable; then `410`, and "
        "`heritage-registry uploads clean` removes it",
    )
    max_open_uploads_per_key: int = Field(
        default=20,
        ge=1,
        description="Resumable uploads one key may have open (started, not complete) at once; "
        "past it, starting another answers 429 until one completes, is terminated or expires",
    )
    max_open_upload_bytes_per_key: int = Field(
        default=2 * 1024 * 1024 * 1024,
        ge=1024,
        description="Bytes one key's open resumable uploads may declare in total (429 past it)",
    )
    storage_backend: Literal["local", "s3"] = Field(
        default="local",
        description="Where photo files are kept: `local` (in `HERITAGE_MEDIA_ROOT`) or `s3` (an "
        "S3-compatible bucket)",
    )
    s3_bucket: str | None = Field(
        default=None, description="Bucket, with `HERITAGE_STORAGE_BACKEND=s3`"
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="Endpoint of an S3-compatible store (MinIO, Ceph, Garage…); unset for AWS "
        "itself",
    )
    s3_region: str = Field(default="us-east-1", description="S3 region")
    s3_access_key_id: str | None = Field(
        default=None,
        description="S3 access key; unset (with the secret key), boto3's usual credential chain "
        "applies (environment, instance role)",
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None, description="S3 secret key (see `HERITAGE_S3_ACCESS_KEY_ID`)"
    )
    s3_key_prefix: str = Field(
        default="", description="Prefix of every object key, e.g. `heritage/`"
    )

    # Webhook delivery (`heritage-registry worker`).
    webhook_timeout_seconds: Seconds = Field(
        default=10,
        le=300,
        description="How long a webhook receiver has to answer one delivery, in seconds",
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Attempts per delivery before it is marked `failed`"
    )
    webhook_retry_base_seconds: Seconds = Field(
        default=30,
        description="Wait after the first failed attempt, in seconds; doubles after each failure",
    )
    webhook_retry_max_seconds: Seconds = Field(
        default=6 * 3600,
        description="Longest wait between two attempts, in seconds (6 h by default)",
    )
    webhook_lease_seconds: Seconds = Field(
        default=60,
        description="How long a worker's claim on a delivery lasts, in seconds; must exceed "
        "`HERITAGE_WEBHOOK_TIMEOUT_SECONDS`. After a crash another worker retries the delivery "
        "once it has passed",
    )
    webhook_allowed_hosts: HostList = Field(
        default=[],
        description="Receiver host names (or IP literals) that may resolve to loopback, "
        "private, link-local or other non-public addresses; every other receiver must "
        "resolve to public addresses only, checked when it is registered and again at each "
        "delivery. Comma-separated in the environment, e.g. `hooks.internal,10.0.0.7`",
    )
    worker_poll_seconds: Seconds = Field(
        default=2,
        le=300,
        description="How often an idle webhook worker looks for due deliveries, in seconds",
    )

    # OAI-PMH (/oai).
    oai_repository_name: str = Field(
        default="Heritage damage registry",
        min_length=1,
        description="`repositoryName` announced by OAI-PMH Identify",
    )
    oai_admin_email: str = Field(
        default="registry-admin@heritage-registry.example",
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="`adminEmail` announced by OAI-PMH Identify",
    )
    oai_repository_identifier: str = Field(
        default="heritage-registry.example",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9\-]*(\.[A-Za-z0-9][A-Za-z0-9\-]*)+$",
        description="Namespace of OAI identifiers (`oai:<this>:monument/<id>`): a domain name "
        "you control",
    )
    oai_page_size: int = Field(
        default=100,
        ge=1,
        le=1000,
        description="Records, headers or sets per OAI-PMH response (then a resumption token)",
    )

    # Abuse protection (app.core.rate_limits), per client address.
    rate_limit_anonymous: RateLimit = Field(
        default="300/minute",
        description="Requests one client address may make without a key (to `/api/v1` and "
        "`/oai`), in the `limits` notation (`300/minute`, `10/second;300/minute`); empty: no "
        "limit",
    )
    rate_limit_failed_auth: RateLimit = Field(
        default="20/minute",
        description="Failed authentications (unknown, revoked or malformed key) one client "
        "address may make; past it every keyed request from that address is `429` until the "
        "window passes; empty: no limit",
    )
    rate_limit_anonymous_reports: RateLimit = Field(
        default="10/minute",
        description="Printable (HTML) and PDF reports an anonymous client address may have "
        "rendered, on the API and the web pages alike (each costs up to a second of CPU); "
        "counted on top of rate_limit_anonymous; empty: no limit",
    )
    trusted_proxies: HostList = Field(
        default=["127.0.0.1", "::1"],
        description="Addresses (or networks, or `*`) of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed: the client address that rate "
        "limits and lockouts count comes from there. Default: a proxy on the same machine. "
        "Comma-separated in the environment; empty: believe no forwarded header",
    )
    rate_limit_storage_uri: str = Field(
        default="memory://",
        description="Where rate-limit counters live: `memory://` counts per worker process (N "
        "workers allow up to N× the limit); `redis://host:6379` (install `redis`) shares one "
        "count across workers and machines",
    )

    # Logs.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Least severe log level written"
    )
    log_format: Literal["json", "console"] = Field(
        default="json",
        description="`json`: one JSON object per line on stderr; `console`: readable lines for "
        "development",
    )

    # Request bodies (app.core.body_size).
    body_idle_timeout_seconds: Seconds = Field(
        default=30,
        description="Longest wait for the next part of a request body; past it the request "
        "answers 408 (a client that stalls keeps no worker busy)",
    )
    body_min_bytes_per_second: int = Field(
        default=1024,
        ge=0,
        description="Slowest average rate a request body may arrive at, once it has taken "
        "body_grace_seconds; slower bodies answer 408 (0: no minimum). Field teams on poor "
        "links use resumable uploads, whose chunks may be small",
    )
    body_grace_seconds: Seconds = Field(
        default=60, description="How long a body may take before its rate is checked"
    )

    # Links and hosts.
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="The registry's address as clients reach it, e.g. "
        "`https://registry.example.org`; absolute links (IIIF ids, the OAI-PMH base URL, "
        "pagination `Link` headers) are built from it, never from the request's Host header. "
        "Unset: `Link` headers are relative, and IIIF and OAI-PMH answer only requests whose "
        "Host is one of allowed_hosts",
    )
    allowed_hosts: HostList = Field(
        default=["localhost", "127.0.0.1", "[::1]"],
        description="Host names absolute links may be built from when public_url is unset "
        "(others answer 421); comma-separated in the environment",
    )

    # Other sites' browsers (app.core.cors).
    cors_allowed_origins: HostList = Field(
        default=[],
        description="Origins (`https://partner.example`) whose pages may call the API from a "
        "browser: reads, writes with a key and tus uploads (Uppy), preflights answered; never "
        "with cookies. Comma-separated in the environment; empty: no other site",
    )
    iiif_cors_allowed_origins: HostList = Field(
        default=["*"],
        description="Origins whose IIIF viewers (Mirador, the Universal Viewer) may load the "
        "public manifests and the photo previews and thumbnails they show; `*`: any site. "
        "Comma-separated in the environment; empty: none",
    )

    # Monitoring.
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper sends to read /metrics "
        "(`authorization: credentials` in its scrape config); without it, /metrics answers "
        "admin keys only",
    )

    # Web pages (/ui/).
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs the web pages' session cookies; set the same value on every "
        "worker and machine. Unset (and no `HERITAGE_SESSION_SECRET_FILE`): each process makes a "
        "random one, so sign-ins end at restart and are not shared between workers",
    )
    session_secret_file: Path | None = Field(
        default=None,
        description="Used when `HERITAGE_SESSION_SECRET` is unset: a file holding the key, "
        "created with a random one (readable by its owner only) if missing, so every worker on "
        "the machine shares it (the Docker image sets `/var/lib/heritage/session-secret`)",
    )
    session_max_age_seconds: int = Field(
        default=12 * 3600,
        ge=60,
        le=30 * 86_400,
        description="How long a web sign-in lasts, in seconds (12 h by default), before the key "
        "must be entered again",
    )
    session_cookie_secure: bool | None = Field(
        default=None,
        description="`true` or `false` marks the session cookie Secure regardless (`true` behind "
        "a proxy that ends TLS); unset, it is Secure when the request came over https",
    )

    @model_validator(mode="after")
    def _lease_outlasts_a_delivery(self) -> "Settings":
        # A worker still waiting for a receiver must not lose its claim to another worker.
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError(
                "webhook_lease_seconds must be longer than webhook_timeout_seconds "
                f"({self.webhook_lease_seconds} <= {self.webhook_timeout_seconds})"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
