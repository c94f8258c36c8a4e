"""Service settings, read from `HERITAGE_*` environment variables (and a `.env` file)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A list given in the environment as comma-separated words (not as JSON).
HostList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Every setting of the service; the README documents each one."""

    model_config = SettingsConfigDict(env_prefix="HERITAGE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./data/heritage.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    media_root: Path = Field(
        default=Path("./data/media"), description="Folder for photo originals and derivatives"
    )
    max_json_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest JSON request body accepted (413 past it)"
    )
    default_page_size: int = Field(default=50, ge=1, le=200)
    sensitive_grid_degrees: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="Grid that sensitive coordinates are rounded to for anonymous/partner readers",
    )
    database_echo: bool = Field(default=False, description="Log every SQL statement")
    read_cache_entries: int = Field(
        default=10_000,
        ge=0,
        description="Representations and API keys each worker keeps in memory until the next "
        "write to the registry (0: none)",
    )

    # Photo evidence.
    max_upload_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1024,
        description="Largest photo file accepted (413 past it); phones send 2–15 MB, scans more",
    )
    max_image_pixels: int = Field(
        default=64_000_000,
        ge=1,
        description="Largest image (width × height) decoded; past it the upload is a "
        "decompression bomb (422)",
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
        description="Shortest image side accepted, in pixels (422 below it)",
    )
    photo_mismatch_metres: float = Field(
        default=2000,
        gt=0,
        description="Distance from the monument past which a photo's GPS position is flagged",
    )
    upload_temp_dir: Path | None = Field(
        default=None,
        description="Folder where uploads are spooled while received (default: the system's "
        "temporary folder; it must be on disk, not in memory)",
    )
    resumable_uploads_dir: Path = Field(
        default=Path("./data/uploads"),
        description="Folder where resumable (tus) uploads keep their bytes until they are "
        "complete; on disk, shared by every worker process that serves /api/v1/uploads",
    )
    resumable_upload_expiry_seconds: int = Field(
        default=72 * 3600,
        ge=1,
        description="How long a resumable upload is kept after its last activity before it "
        "expires (410) and `heritage-registry uploads clean` removes it",
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
        default="local", description="Where photo files are kept: `local` (media_root) or `s3`"
    )
    s3_bucket: str | None = Field(default=None, description="S3 bucket (storage_backend=s3)")
    s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint; unset for AWS itself"
    )
    s3_region: str = Field(default="us-east-1", description="S3 region")
    s3_access_key_id: str | None = Field(
        default=None, description="S3 access key (unset: boto3's usual credential chain)"
    )
    s3_secret_access_key: SecretStr | None = Field(default=None, description="S3 secret key")
    s3_key_prefix: str = Field(
        default="", description="Prefix of every object key, e.g. `heritage/`"
    )

    # Webhook delivery (`heritage-registry worker`).
    webhook_timeout_seconds: float = Field(
        default=10, gt=0, le=300, description="How long a receiver has to answer one delivery"
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Attempts per delivery before it is marked failed"
    )
    webhook_retry_base_seconds: float = Field(
        default=30, gt=0, description="Wait after the first failure; doubles after each one"
    )
    webhook_retry_max_seconds: float = Field(
        default=6 * 3600, gt=0, description="Longest wait between two attempts"
    )
    webhook_lease_seconds: float = Field(
        default=60,
        gt=0,
        description="How long a claimed delivery is reserved for its worker; after a crash, "
        "another worker retries it once this has passed",
    )
    webhook_allowed_hosts: HostList = Field(
        default=[],
        description="Receiver host names (or IP literals) that may resolve to loopback, "
        "private, link-local or other non-public addresses; every other receiver must "
        "resolve to public addresses only, checked when it is registered and again at each "
        "delivery. Comma-separated in the environment, e.g. `hooks.internal,10.0.0.7`",
    )
    worker_poll_seconds: float = Field(
        default=2, gt=0, le=300, description="How often an idle worker looks for due deliveries"
    )

    # OAI-PMH (/oai).
    oai_repository_name: str = Field(default="Heritage damage registry", min_length=1)
    oai_admin_email: str = Field(
        default="registry-admin@heritage-registry.example",
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="Contact address announced by Identify",
    )
    oai_repository_identifier: str = Field(
        default="heritage-registry.example",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9\-]*(\.[A-Za-z0-9][A-Za-z0-9\-]*)+$",
        description="Namespace of OAI identifiers (oai:<this>:monument/<id>), a domain name",
    )
    oai_page_size: int = Field(
        default=100, ge=1, le=1000, description="Records, headers or sets per OAI-PMH response"
    )

    # Abuse protection (app.core.ratelimit), per client address.
    rate_limit_anonymous: str | None = Field(
        default="300/minute",
        description="Requests an anonymous client address may make (limits notation, e.g. "
        "`300/minute`, `10/second;300/minute`); empty: no limit",
    )
    rate_limit_failed_auth: str | None = Field(
        default="20/minute",
        description="Failed authentications (wrong, revoked or malformed keys) a client "
        "address may make before it gets 429 for every keyed request; empty: no limit",
    )
    rate_limit_anonymous_reports: str | None = Field(
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
        description="Where the counters live: `memory://` (one count per worker process) or "
        "a shared store the `limits` library supports, e.g. `redis://host:6379`",
    )

    # Logs.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Least severe log level written"
    )
    log_format: Literal["json", "console"] = Field(
        default="json", description="`json`: one JSON object per line; `console`: for people"
    )

    # Request bodies (app.core.limits).
    body_idle_timeout_seconds: float = Field(
        default=30,
        gt=0,
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
    body_grace_seconds: float = Field(
        default=60, gt=0, description="How long a body may take before its rate is checked"
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

    # Monitoring.
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper sends to read /metrics "
        "(`authorization: credentials` in its scrape config); without it, /metrics answers "
        "admin keys only",
    )

    @field_validator("trusted_proxies", "webhook_allowed_hosts", "allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator(
        "rate_limit_anonymous",
        "rate_limit_failed_auth",
        "rate_limit_anonymous_reports",
        mode="after",
    )
    @classmethod
    def _valid_rate_limit(cls, value: str | None) -> str | None:
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

    # Web pages (/ui/).
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs the web pages' session cookies; unset, each process makes "
        "a random one (sessions then end at restart and are not shared between workers)",
    )
    session_secret_file: Path | None = Field(
        default=None,
        description="File holding the session key, made with a random key if missing (used "
        "when session_secret is unset; lets every worker on a machine share one key)",
    )
    session_max_age_seconds: int = Field(
        default=12 * 3600,
        ge=60,
        le=30 * 86_400,
        description="How long a web sign-in lasts before the key must be entered again",
    )
    session_cookie_secure: bool | None = Field(
        default=None,
        description="Mark the session cookie Secure: unset, it is Secure when the request came "
        "over https",
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
