"""What a resumable upload says about itself, and the metadata it is created with."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from app.photos.schemas import PhotoFields
from app.uploads.models import UploadState

MonumentRef = Annotated[int, Field(ge=1, le=2**31 - 1)]

# Keys tus clients add by themselves (tus-js-client, Uppy); the file's name is kept, the
# declared type is ignored (the bytes say what the file is).
CLIENT_METADATA_KEYS = frozenset({"filename", "name", "filetype", "type", "relativePath"})


class UploadMetadata(PhotoFields):
    """`Upload-Metadata`: the monument the photo is of, and the photo's optional fields."""

    monument_id: MonumentRef = Field(description="The monument the photo is of.")


class UploadRead(BaseModel):
    """A resumable upload, as the key that created it sees it."""

    id: str = Field(description="The upload's token, as in its URL.")
    monument_id: int
    file_name: str | None
    upload_length: int = Field(description="Bytes the file has (Upload-Length).")
    upload_offset: int = Field(description="Bytes received so far (Upload-Offset).")
    state: UploadState = Field(
        description="`receiving`, `complete` (it is a photo now) or `failed` (the file was "
        "refused once complete; `problem` says why)."
    )
    photo: str | None = Field(description="The photo it became, once complete.")
    problem: dict[str, Any] | None = Field(
        description="The problem document the complete file was refused with."
    )
    created_at: datetime
    updated_at: datetime
    expires_at: datetime = Field(
        description="Past this time without activity the upload is removed."
    )
