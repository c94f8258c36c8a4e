"""Photo uploads from the web pages: the phone-friendly page and the route its script uses."""

from fastapi import APIRouter, Request, Response

from app.assessments import service as assessments
from app.core.dependencies import ReadSessionDep, SettingsDep
from app.monuments.dependencies import MonumentDep
from app.photos.dependencies import PhotoWritingDep
from app.photos.images import ACCEPTED
from app.photos.router import answer_upload
from app.ui.dependencies import UiPhotoUploadDep, UiUploaderDep
from app.ui.pages import render
from app.ui.views import HISTORY_LIMIT

router = APIRouter()


@router.get("/monuments/{monument_id}/photos/upload")
def upload_page(
    request: Request,
    caller: UiUploaderDep,
    monument: MonumentDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> Response:
    """The phone-friendly upload page: several files or the camera, progress, retries."""
    linkable = assessments.list_history(
        session=session, monument_id=monument.id, caller=caller, limit=HISTORY_LIMIT
    )
    return render(
        request,
        "upload.html",
        monument=monument,
        # Evidence goes only to an assessment still in review (see photos.check_assessment).
        assessments=[
            a for a in reversed(linkable[:HISTORY_LIMIT]) if a.status not in assessments.REVIEWED
        ],
        max_upload_bytes=settings.max_upload_bytes,
        accepted=ACCEPTED,
    )


@router.post("/monuments/{monument_id}/photos")
def upload_photo(
    request: Request, caller: UiUploaderDep, upload: UiPhotoUploadDep, writing: PhotoWritingDep
) -> Response:
    """The upload page's script posts here: the API's upload, with the session's key (JSON
    answers, problem+json refusals, the same Idempotency-Key replay)."""
    return answer_upload(
        request,
        caller=caller,
        upload=upload,
        writing=writing,
        location_prefix="/ui/photos",
        headers={"Cache-Control": "no-store"},
    )
