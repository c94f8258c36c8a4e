"""HTTP routes for /api/v1/uploads: resumable photo uploads over tus 1.0.

Core protocol (HEAD, PATCH, OPTIONS) with the creation, termination, checksum and expiration
extensions. A GET on an upload (not part of tus) tells its state as JSON, with the photo it
became or the problem it was refused with.
"""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import ValidationError

from app.core.actors import Caller
from app.core.auth import CallerDep, get_caller
from app.core.dependencies import (
    ReceiveThenWrite,
    ReceiveThenWriteDep,
    SettingsDep,
    StorageDep,
    WriteSessionDep,
)
from app.core.errors import BadRequest, RegistryError, Unprocessable
from app.core.http import resource_response
from app.core.schemas import TEXT_INPUT
from app.photos.dependencies import UploaderDep
from app.uploads import completion, service
from app.uploads.dependencies import (
    ChunkDep,
    OwnUploadDep,
    TusVersion,
    UploadToken,
    expiry,
)
from app.uploads.models import Upload, UploadState
from app.uploads.protocol import (
    CHECKSUM_ALGORITHMS,
    EXTENSIONS,
    OFFSET_STREAM,
    TUS_VERSION,
    encode_metadata,
    http_date,
    parse_metadata,
)
from app.uploads.schemas import CLIENT_METADATA_KEYS, UploadMetadata, UploadRead

router = APIRouter(prefix="/api/v1/uploads", tags=["uploads"], dependencies=[Depends(get_caller)])

CHUNK_BODY = {
    "requestBody": {
        "required": True,
        "content": {OFFSET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _progress_headers(upload: Upload) -> dict[str, str]:
    headers = {"Upload-Offset": str(upload.upload_offset), "Cache-Control": "no-store"}
    if upload.state == UploadState.receiving:
        headers["Upload-Expires"] = http_date(upload.expires_at)
    if upload.photo_id is not None:
        headers["Link"] = f'<{service.photo_url(upload)}>; rel="related"'
    return headers


@router.options("", status_code=204, response_class=Response)
def describe_uploads(caller: CallerDep, settings: SettingsDep) -> Response:
    """What this tus server supports: version, extensions, largest size, checksums."""
    return Response(
        status_code=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": EXTENSIONS,
            "Tus-Max-Size": str(settings.max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        },
    )


def _length(raw: str | None, defer: str | None) -> int:
    if defer is not None:
        raise BadRequest(
            "Upload-Defer-Length is not supported: declare the file's size in Upload-Length."
        )
    # ASCII digits only: str.isdigit() also accepts "²" and "٣", which int() refuses or
    # reads as another number.
    if raw is None or not re.fullmatch(r"[0-9]{1,18}", raw.strip()):
        raise BadRequest("Upload-Length must be the size of the photo file in bytes.")
    return int(raw)


def _metadata(header: str | None) -> tuple[UploadMetadata, str | None]:
    values = {key: value for key, value in parse_metadata(header).items() if value.strip()}
    file_name = values.get("filename") or values.get("name")
    fields = {key: value for key, value in values.items() if key not in CLIENT_METADATA_KEYS}
    unknown = sorted(set(fields) - set(UploadMetadata.model_fields))
    if unknown:
        allowed = ", ".join(sorted(UploadMetadata.model_fields))
        raise Unprocessable(
            f"Unknown Upload-Metadata key(s) {', '.join(unknown)}; the keys are: {allowed} "
            "(and filename).",
            errors=[
                {"loc": ["header", "Upload-Metadata", key], "msg": "unknown key", "type": "extra"}
                for key in unknown
            ],
        )
    if "monument_id" not in fields:
        raise Unprocessable.at(
            ("header", "Upload-Metadata", "monument_id"),
            "Upload-Metadata must name the monument the photo is of: monument_id.",
            "missing",
            msg="Field required",
        )
    try:
        # tus metadata values are text.
        return UploadMetadata.model_validate(fields, **TEXT_INPUT), file_name
    except ValidationError as error:
        errors = [
            {"loc": ["header", "Upload-Metadata", *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in error.errors(include_url=False)
        ]
        summary = "; ".join(f"{'.'.join(map(str, e['loc'][2:]))}: {e['msg']}" for e in errors)
        raise Unprocessable(f"Upload-Metadata is invalid: {summary}.", errors=errors) from None


@router.post("", status_code=201, response_class=Response)
def create_upload(
    request: Request,
    caller: UploaderDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    _: TusVersion,
    upload_length: Annotated[
        str | None, Header(alias="Upload-Length", description="The file's size in bytes.")
    ] = None,
    upload_metadata: Annotated[
        str | None,
        Header(
            alias="Upload-Metadata",
            description="monument_id (required), filename, caption, photographer, license, "
            "assessment_id, taken_at; each value base64-encoded.",
        ),
    ] = None,
    upload_defer_length: Annotated[str | None, Header(alias="Upload-Defer-Length")] = None,
) -> Response:
    """Start a resumable photo upload (field, staff, admin); `Location` is its URL."""
    length = _length(upload_length, upload_defer_length)
    if request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers:
        raise BadRequest("Create the upload without a body, then send the bytes with PATCH.")
    fields, file_name = _metadata(upload_metadata)
    upload = service.create_upload(
        session=session,
        owner=caller,
        monument_id=fields.monument_id,
        length=length,
        file_name=file_name,
        fields=fields,
        root=settings.resumable_uploads_dir,
        max_bytes=settings.max_upload_bytes,
        expiry=expiry(settings),
        open_limits=service.OpenUploadLimits(
            uploads=settings.max_open_uploads_per_key,
            bytes=settings.max_open_upload_bytes_per_key,
        ),
    )
    return Response(
        status_code=201,
        headers={
            "Location": f"{service.UPLOADS_URL}/{upload.token}",
            "Upload-Expires": http_date(upload.expires_at),
        },
    )


def _finish_if_received(
    upload: Upload,
    *,
    caller: Caller,
    transactions: ReceiveThenWrite,
    storage: StorageDep,
    settings: SettingsDep,
) -> Upload:
    """Complete an upload whose bytes all arrived but that is no photo yet (the request
    that sent its last bytes failed before it could make one)."""
    if not service.received_all(upload):
        return upload
    return completion.finish(
        transactions=transactions, storage=storage, settings=settings, upload=upload, owner=caller
    )


@router.head("/{upload_id}", response_class=Response)
def read_upload_offset(
    caller: UploaderDep,
    upload: OwnUploadDep,
    transactions: ReceiveThenWriteDep,
    storage: StorageDep,
    settings: SettingsDep,
    _: TusVersion,
) -> Response:
    """How many bytes have arrived (`Upload-Offset`), to resume from there."""
    upload = _finish_if_received(
        upload, caller=caller, transactions=transactions, storage=storage, settings=settings
    )
    return Response(
        status_code=200,
        headers={
            **_progress_headers(upload),
            "Upload-Length": str(upload.upload_length),
            "Upload-Metadata": encode_metadata(service.metadata_of(upload)),
        },
    )


@router.patch("/{upload_id}", status_code=204, response_class=Response, openapi_extra=CHUNK_BODY)
def append_to_upload(
    caller: UploaderDep,
    chunk: ChunkDep,
    transactions: ReceiveThenWriteDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> Response:
    """Add bytes at `Upload-Offset`; with the last ones the upload becomes a photo."""
    with transactions.write() as session:
        upload = service.append_chunk(
            session=session,
            owner=caller,
            chunk=chunk,
            root=settings.resumable_uploads_dir,
            expiry=expiry(settings),
        )
    upload = _finish_if_received(
        upload, caller=caller, transactions=transactions, storage=storage, settings=settings
    )
    return Response(status_code=204, headers=_progress_headers(upload))


@router.delete("/{upload_id}", status_code=204, response_class=Response)
def terminate_upload(
    caller: UploaderDep,
    upload_id: UploadToken,
    session: WriteSessionDep,
    settings: SettingsDep,
    _: TusVersion,
) -> Response:
    """End an upload and drop its bytes (a photo it already became stays)."""
    upload = service.get_upload(session=session, token=upload_id, owner=caller, for_update=True)
    service.terminate_upload(
        session=session, upload=upload, owner=caller, root=settings.resumable_uploads_dir
    )
    return Response(status_code=204)


@router.get("/{upload_id}", response_model=UploadRead)
def read_upload(
    request: Request,
    caller: UploaderDep,
    upload_id: UploadToken,
    transactions: ReceiveThenWriteDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> Response:
    """An upload's state as JSON: progress, the photo it became, or why it was refused."""
    with transactions.check() as session:
        upload = service.get_upload(session=session, token=upload_id, owner=caller)
    service.check_not_expired(upload, root=settings.resumable_uploads_dir)
    try:
        upload = _finish_if_received(
            upload, caller=caller, transactions=transactions, storage=storage, settings=settings
        )
    except RegistryError:
        # Refused: the refusal was recorded; show the upload as it now stands.
        with transactions.check() as session:
            upload = service.get_upload(session=session, token=upload_id, owner=caller)
    return resource_response(request, service.present(upload))
