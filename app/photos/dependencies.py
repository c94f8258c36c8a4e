"""Loading the photo a request names, and receiving an upload as a stream."""

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Request

from app.core.actors import Caller, Role
from app.core.auth import get_caller, require_roles
from app.core.config import Settings
from app.core.dependencies import (
    ReadSessionDep,
    ReceiveThenWrite,
    ReceiveThenWriteDep,
    SettingsDep,
    StorageDep,
    WriteSessionDep,
)
from app.core.errors import validate_request_part
from app.core.multipart import ReceivedFile, receive_form
from app.core.storage import Storage
from app.monuments import service as monuments
from app.monuments.dependencies import MonumentId
from app.monuments.models import Monument
from app.photos import service
from app.photos.schemas import PhotoFields

PhotoId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The photo's id.")]
UPLOADER_ROLES = (Role.admin, Role.staff, Role.field)
MONUMENT_TABLE = Monument.__tablename__
UploaderDep = Annotated[Caller, Depends(require_roles(*UPLOADER_ROLES))]

# The API's upload route and the web pages' one (app/ui), which takes the same body.
UPLOAD_PATH = re.compile(r"/(api/v1|ui)/monuments/[^/]+/photos/?")
# Room for the form fields and multipart framing around the file.
FORM_OVERHEAD_BYTES = 256 * 1024


def upload_body_limit(path: str, settings: Settings) -> int | None:
    """The body limit of a path: the upload limit for photo uploads, else the default."""
    if UPLOAD_PATH.fullmatch(path):
        return settings.max_upload_bytes + FORM_OVERHEAD_BYTES
    return None


def get_photo_or_404(photo_id: PhotoId, session: ReadSessionDep) -> service.LoadedPhoto:
    """The photo named in the path, with its monument, in the request's read session."""
    return service.get_photo(session=session, photo_id=photo_id)


def get_photo_to_change(photo_id: PhotoId, session: WriteSessionDep) -> service.LoadedPhoto:
    """The photo named in the path, with its monument, in the request's write session."""
    return service.get_photo(session=session, photo_id=photo_id)


PhotoDep = Annotated[service.LoadedPhoto, Depends(get_photo_or_404)]
PhotoToChangeDep = Annotated[service.LoadedPhoto, Depends(get_photo_to_change)]


def upload_monument_checker(
    caller_from: Callable[..., Caller] = get_caller,
) -> Callable[..., int]:
    """A dependency naming the monument an upload goes to, checked (with the uploader's
    role, known as `caller_from` says) before a byte of the file is read."""
    uploader = require_roles(*UPLOADER_ROLES, caller_from=caller_from)

    async def check_upload_monument(
        monument_id: MonumentId,
        caller: Annotated[Caller, Depends(uploader)],
        transactions: ReceiveThenWriteDep,
    ) -> int:
        # Remembered while no commit writes a monument: each upload to the same monument
        # would ask again. The write locks the monument and checks it again.
        await transactions.check_once(
            MONUMENT_TABLE,
            monument_id,
            lambda session: monuments.get_monument(session=session, monument_id=monument_id),
        )
        return monument_id

    return check_upload_monument


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


@asynccontextmanager
async def received_upload(
    request: Request, settings: Settings, monument_id: int
) -> AsyncIterator[PhotoUpload]:
    """The multipart upload, streamed to a temporary file that is removed afterwards."""
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
        fields = validate_request_part(PhotoFields, values, part="body")
        yield PhotoUpload(monument_id=monument_id, file=form.file, fields=fields)
    finally:
        form.discard()


def upload_receiver(
    check_monument: Callable[..., int],
) -> Callable[..., AsyncIterator[PhotoUpload]]:
    """A dependency receiving the multipart upload once `check_monument` has passed."""

    async def receive_photo_upload(
        request: Request,
        settings: SettingsDep,
        monument_id: Annotated[int, Depends(check_monument)],
    ) -> AsyncIterator[PhotoUpload]:
        async with received_upload(request, settings, monument_id) as upload:
            yield upload

    return receive_photo_upload


PhotoUploadDep = Annotated[PhotoUpload, Depends(upload_receiver(upload_monument_checker()))]


def image_rules(settings: Settings) -> service.ImageRules:
    """The limits every upload is checked against, from the settings (the multipart and tus
    uploads and `import photos` alike)."""
    return service.ImageRules(
        max_pixels=settings.max_image_pixels,
        min_side=settings.min_image_side,
        mismatch_metres=settings.photo_mismatch_metres,
        max_decode_bytes=settings.max_decode_bytes,
    )


async def get_image_rules(settings: SettingsDep) -> service.ImageRules:
    """`image_rules` as a dependency (async: it only reads the settings, so no thread trip)."""
    return image_rules(settings)


ImageRulesDep = Annotated[service.ImageRules, Depends(get_image_rules)]


@dataclass(frozen=True)
class PhotoWriting:
    """What turning a received upload into a photo needs, whichever route received it (the
    API's or the upload page's): its short write, the file store, the limits, the retry key."""

    transactions: ReceiveThenWrite
    storage: Storage
    rules: service.ImageRules
    idempotency_key: str | None


async def get_photo_writing(
    transactions: ReceiveThenWriteDep,
    storage: StorageDep,
    rules: ImageRulesDep,
    idempotency_key: IdempotencyKey = None,
) -> PhotoWriting:
    """What the request's upload is written with (async: it only gathers what other
    dependencies gave, so no worker-thread trip)."""
    return PhotoWriting(transactions, storage, rules, idempotency_key)


PhotoWritingDep = Annotated[PhotoWriting, Depends(get_photo_writing)]
