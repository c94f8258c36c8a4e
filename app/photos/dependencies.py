"""Loading the photo a request names, and receiving an upload as a stream."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.core.actors import Caller
from app.core.auth import require_roles
from app.core.config import Settings
from app.core.dependencies import SessionDep, SettingsDep
from app.core.uploads import ReceivedFile, receive_form
from app.keys.models import Role
from app.monuments import service as monuments
from app.monuments.dependencies import MonumentId
from app.photos import service
from app.photos.schemas import PhotoFields

PhotoId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The photo's id.")]
UploaderDep = Annotated[Caller, Depends(require_roles(Role.admin, Role.staff, Role.field))]

UPLOAD_PATH = re.compile(r"/api/v1/monuments/[^/]+/photos/?")
# Room for the form fields and multipart framing around the file.
FORM_OVERHEAD_BYTES = 256 * 1024


def upload_body_limit(path: str, settings: Settings) -> int | None:
    """The body limit of a path: the upload limit for photo uploads, else the default."""
    if UPLOAD_PATH.fullmatch(path):
        return settings.max_upload_bytes + FORM_OVERHEAD_BYTES
    return None


def get_photo_or_404(photo_id: PhotoId, session: SessionDep) -> service.LoadedPhoto:
    """The photo named in the path, with its monument."""
    return service.get_photo(session=session, photo_id=photo_id)


PhotoDep = Annotated[service.LoadedPhoto, Depends(get_photo_or_404)]


def get_upload_monument(monument_id: MonumentId, caller: UploaderDep, session: SessionDep) -> int:
    """The monument an upload goes to, checked before a byte of the file is read."""
    monuments.get_monument(session=session, monument_id=monument_id)
    # The checks opened a transaction (on SQLite a write lock: BEGIN IMMEDIATE). End it now,
    # so that an upload over a slow link holds no lock and no pooled connection while it
    # streams; the service opens a new transaction once the file is here.
    session.close()
    return monument_id


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (a UUID): a retry with the same key gets the first answer.",
    ),
]


@dataclass
class PhotoUpload:
    """A received upload: the monument, the spooled file and the validated fields."""

    monument_id: int
    file: ReceivedFile
    fields: PhotoFields


async def receive_photo_upload(
    request: Request,
    settings: SettingsDep,
    monument_id: Annotated[int, Depends(get_upload_monument)],
) -> AsyncIterator[PhotoUpload]:
    """The multipart upload, streamed to a temporary file that is removed after the request."""
    form = await receive_form(
        request,
        file_field="file",
        text_fields=frozenset(PhotoFields.model_fields),
        max_file_bytes=settings.max_upload_bytes,
        temp_dir=settings.upload_temp_dir,
    )
    try:
        # Empty form fields mean "not given", as browsers send every field of a form.
        values = {name: value for name, value in form.fields.items() if value.strip()}
        try:
            fields = PhotoFields.model_validate(values)
        except ValidationError as error:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
            ) from None
        yield PhotoUpload(monument_id=monument_id, file=form.file, fields=fields)
    finally:
        form.discard()


PhotoUploadDep = Annotated[PhotoUpload, Depends(receive_photo_upload)]
