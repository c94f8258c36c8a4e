"""Resumable (tus) uploads: a photo arriving in pieces over a bad connection."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String
from sqlmodel import Field

from app.core.db import JSONDocument, Timestamps, UTCDateTime


class UploadState(StrEnum):
    """Where an upload is: still arriving, turned into a photo, or refused once complete."""

    receiving = "receiving"
    complete = "complete"
    failed = "failed"


class Upload(Timestamps, table=True):
    """One resumable upload. Its bytes are in a file under the uploads folder, not here.

    `upload_offset` is the truth about how much has arrived: it is committed only after the
    bytes are on disk (and their checksum matched), so bytes past it are discarded.
    """

    __tablename__ = "upload"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    # The upload's URL names this random token, not the id: URLs cannot be guessed.
    token: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    # Only the key that created the upload may add to it, read it or end it.
    api_key_id: int = Field(
        sa_column=Column(Integer, ForeignKey("api_key.id"), nullable=False, index=True)
    )
    monument_id: int = Field(sa_column=Column(Integer, ForeignKey("monument.id"), nullable=False))
    upload_length: int = Field(sa_column=Column(BigInteger, nullable=False))
    upload_offset: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    file_name: str | None = Field(default=None, sa_column=Column(String(255)))
    # The photo's optional fields (caption, taken_at…), validated when the upload began.
    fields: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONDocument, nullable=False)
    )
    state: UploadState = Field(
        default=UploadState.receiving, sa_column=Column(String(20), nullable=False)
    )
    # The photo it became (kept null if that photo is deleted later).
    photo_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("photo.id", ondelete="SET NULL"), nullable=True),
    )
    # Why a complete upload was refused: the problem document it was answered with.
    problem: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONDocument))
    # Pushed forward by every chunk received; past it the upload is gone (410).
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
