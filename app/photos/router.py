"""HTTP routes for photo evidence: uploads, listings, metadata and the files themselves."""

from fastapi import APIRouter, Depends, Request, Response

from app.core import instrumentation
from app.core.actors import Caller
from app.core.auth import CallerDep, StaffDep, get_caller
from app.core.dependencies import (
    ReadSessionDep,
    StorageDep,
    WriteSessionDep,
)
from app.core.http import content_disposition, file_response, resource_response
from app.core.linked_data import VARY_ACCEPT, linked_data_response, wants_linked_data
from app.core.pagination import Page, PagingDep
from app.core.storage import iter_verified
from app.monuments.dependencies import MonumentDep
from app.photos import service
from app.photos.dependencies import (
    PhotoDep,
    PhotoToChangeDep,
    PhotoUpload,
    PhotoUploadDep,
    PhotoWriting,
    PhotoWritingDep,
    UploaderDep,
)
from app.photos.images import ACCEPTED
from app.photos.schemas import PhotoFields, PhotoRead, PhotoUploaded

router = APIRouter(tags=["photos"], dependencies=[Depends(get_caller)])

# The body is read as a stream by the dependency, so OpenAPI is told its shape here.
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": f"The photo: {ACCEPTED}.",
                        },
                        **{
                            name: {"type": "string", "description": field.description or ""}
                            for name, field in PhotoFields.model_fields.items()
                        },
                    },
                }
            }
        },
    }
}
CACHE_SECONDS = 86_400


@router.post(
    "/api/v1/monuments/{monument_id}/photos",
    status_code=201,
    response_model=PhotoUploaded,
    openapi_extra=UPLOAD_BODY,
    responses={200: {"model": PhotoUploaded, "description": "Already a photo of this monument."}},
)
def upload_photo(
    request: Request, caller: UploaderDep, upload: PhotoUploadDep, writing: PhotoWritingDep
) -> Response:
    """Add a photo of a monument (field, staff, admin); `200` if these bytes already are one."""
    return answer_upload(
        request, caller=caller, upload=upload, writing=writing, location_prefix=service.PHOTOS_URL
    )


def answer_upload(
    request: Request,
    *,
    caller: Caller,
    upload: PhotoUpload,
    writing: PhotoWriting,
    location_prefix: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A received upload made a photo in one short transaction, and the answer to it; the
    API's route and the upload page's (app/ui) both answer this way."""
    with writing.transactions.write() as session:
        outcome = service.add_photo(
            session=session,
            storage=writing.storage,
            monument_id=upload.monument_id,
            upload=upload.file,
            fields=upload.fields.model_dump(exclude_none=True),
            idempotency_key=writing.idempotency_key,
            rules=writing.rules,
            actor=caller,
        )
        answer = service.present_upload(session=session, outcome=outcome, caller=caller)
    instrumentation.count_upload(created=not outcome.duplicate, byte_size=upload.file.size)
    return resource_response(
        request,
        answer,
        status_code=outcome.status_code,
        headers={"Location": f"{location_prefix}/{outcome.photo.id}", **(headers or {})},
    )


@router.get("/api/v1/monuments/{monument_id}/photos", response_model=Page[PhotoRead])
def list_photos(
    caller: CallerDep, monument: MonumentDep, session: ReadSessionDep, paging: PagingDep
) -> Response:
    """A monument's photos, oldest first, a page at a time."""
    photos = paging.rows_from(service.list_photos, session=session, monument_id=monument.id)
    return paging.respond(
        photos,
        present=lambda page: service.present_many(
            session=session, photos=[(photo, monument) for photo in page], caller=caller
        ),
    )


@router.get("/api/v1/photos/{photo_id}", response_model=PhotoRead)
def read_photo(
    request: Request, caller: CallerDep, loaded: PhotoDep, session: ReadSessionDep
) -> Response:
    """A photo's metadata; GPS and distance are withheld for sensitive monuments. As a
    CIDOC-CRM visual item with `Accept: application/ld+json`."""
    if wants_linked_data(request):
        return linked_data_response(request, "photo", session=session, photo_id=loaded.photo.id)
    (shown,) = service.present_many(
        session=session, photos=[(loaded.photo, loaded.monument)], caller=caller
    )
    return resource_response(request, shown, headers=VARY_ACCEPT)


@router.delete("/api/v1/photos/{photo_id}", status_code=204)
def delete_photo(
    caller: StaffDep, loaded: PhotoToChangeDep, session: WriteSessionDep, storage: StorageDep
) -> Response:
    """Remove a photo (staff, admin); its files go when no other photo uses them."""
    service.delete_photo(session=session, storage=storage, photo=loaded.photo, actor=caller)
    return Response(status_code=204)


def _send_file(
    request: Request, caller: CallerDep, loaded: PhotoDep, storage: StorageDep, kind: str
) -> Response:
    stored = service.stored_file(loaded, kind, exact_locations=caller.sees_exact_locations)
    if kind == "original" and loaded.monument.sensitive:
        cache_control = "private, no-store"
    elif "authorization" in request.headers:
        cache_control = f"private, max-age={CACHE_SECONDS}"
    else:
        cache_control = f"public, max-age={CACHE_SECONDS}"
    disposition = "attachment" if kind == "original" else "inline"
    return file_response(
        request,
        sha256=stored.sha256,
        byte_size=stored.byte_size,
        content_type=stored.content_type,
        # Evidence: the bytes are checked against their recorded hash as they are sent.
        open_body=lambda: iter_verified(
            service.open_file(storage=storage, file=stored),
            sha256=stored.sha256,
            byte_size=stored.byte_size,
            on_mismatch=lambda problem: service.report_altered_file(
                loaded.photo, kind, stored, problem
            ),
        ),
        cache_control=cache_control,
        content_disposition=content_disposition(
            disposition, service.download_name(loaded.photo, kind)
        ),
    )


@router.get("/api/v1/photos/{photo_id}/original", response_class=Response)
def download_original(
    request: Request, caller: CallerDep, loaded: PhotoDep, storage: StorageDep
) -> Response:
    """The original file, byte for byte (not for anonymous or partner callers when the
    monument is sensitive: it carries the camera's GPS position)."""
    return _send_file(request, caller, loaded, storage, "original")


@router.get("/api/v1/photos/{photo_id}/preview", response_class=Response)
def download_preview(
    request: Request, caller: CallerDep, loaded: PhotoDep, storage: StorageDep
) -> Response:
    """A JPEG that fits 1600 px, upright, without any metadata."""
    return _send_file(request, caller, loaded, storage, "preview")


@router.get("/api/v1/photos/{photo_id}/thumbnail", response_class=Response)
def download_thumbnail(
    request: Request, caller: CallerDep, loaded: PhotoDep, storage: StorageDep
) -> Response:
    """A JPEG that fits 256 px, upright, without any metadata."""
    return _send_file(request, caller, loaded, storage, "thumbnail")
