"""Service settings, read from `HERITAGE_*` environment variables (and a `.env` file)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
