"""HTTP routes for evidence items of every kind, STAC Items and before/after image pairs."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from app.core.actors import Caller
from app.core.auth import CallerDep, get_caller
from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.core.errors import NotFound
from app.core.http import JsonBody, created_response, resource_response
from app.core.pagination import Page, PagingDep
from app.monuments import service as monuments
from app.monuments.dependencies import LockedMonumentDep, MonumentDep
from app.photos import evidence
from app.photos.dependencies import UploaderDep
from app.photos.models import EvidenceItem, EvidenceKind
from app.photos.schemas import EvidenceCreate, EvidenceRead, ImagePairCreate, ImagePairRead

router = APIRouter(prefix="/api/v1", tags=["evidence"], dependencies=[Depends(get_caller)])

EvidenceId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The evidence item's id.")]
STAC_EXAMPLE = {
    "type": "Feature",
    "stac_version": "1.1.0",
    "id": "scene-20150831",
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[38.27, 34.54], [38.28, 34.54], [38.28, 34.55], [38.27, 34.54]]],
    },
    "bbox": [38.27, 34.54, 38.28, 34.55],
    "properties": {"datetime": "2015-08-31T08:00:00Z", "platform": "example", "gsd": 0.5},
    "links": [],
    "assets": {},
}


def _read(session: Session, item: EvidenceItem, caller: Caller, monument: Any) -> EvidenceRead:
    (shown,) = evidence.present_many(session=session, items=[(item, monument)], caller=caller)
    return shown


@router.post("/monuments/{monument_id}/evidence", status_code=201, response_model=EvidenceRead)
def create_evidence(
    request: Request,
    caller: UploaderDep,
    _: JsonBody,
    monument: LockedMonumentDep,
    item_in: EvidenceCreate,
    session: WriteSessionDep,
) -> Response:
    """Record an evidence item held elsewhere, such as a published satellite image, with
    where it is published (`source_url`) and the facts of its kind (field, staff, admin)."""
    item = evidence.create_item(
        session=session,
        monument_id=monument.id,
        fields=item_in.model_dump(exclude_none=True),
        actor=caller,
    )
    return created_response(
        request,
        _read(session, item, caller, monument),
        location=f"{evidence.EVIDENCE_URL}/{item.id}",
    )


@router.post("/monuments/{monument_id}/evidence/stac", status_code=201, response_model=EvidenceRead)
def register_stac_item(
    request: Request,
    caller: UploaderDep,
    _: JsonBody,
    monument: LockedMonumentDep,
    session: WriteSessionDep,
    stac_item: Annotated[
        dict[str, Any], Body(description="A STAC Item (GeoJSON Feature).", examples=[STAC_EXAMPLE])
    ],
) -> Response:
    """Register a satellite image from a STAC Item: acquisition time, platform and
    instruments, providers, ground sample distance, cloud cover, footprint and licence are
    read from it; the footprint must contain the monument (field, staff, admin)."""
    item = evidence.register_stac(
        session=session, monument_id=monument.id, document=stac_item, actor=caller
    )
    return created_response(
        request,
        _read(session, item, caller, monument),
        location=f"{evidence.EVIDENCE_URL}/{item.id}",
    )


@router.get("/monuments/{monument_id}/evidence", response_model=Page[EvidenceRead])
def list_evidence(
    caller: CallerDep, monument: MonumentDep, session: ReadSessionDep, paging: PagingDep
) -> Response:
    """A monument's evidence items of every kind, oldest first, a page at a time."""
    items = paging.rows_from(evidence.list_items, session=session, monument_id=monument.id)
    return paging.respond(
        items,
        present=lambda page: evidence.present_many(
            session=session, items=[(item, monument) for item in page], caller=caller
        ),
    )


@router.get("/evidence/{evidence_id}", response_model=EvidenceRead)
def read_evidence(
    request: Request, caller: CallerDep, evidence_id: EvidenceId, session: ReadSessionDep
) -> Response:
    """One evidence item; a sensitive monument's footprint is withheld as its GPS is."""
    item, monument = evidence.get_item(session=session, evidence_id=evidence_id)
    return resource_response(request, _read(session, item, caller, monument))


@router.get(
    "/evidence/{evidence_id}/stac",
    response_class=JSONResponse,
    responses={200: {"content": {"application/geo+json": {}}, "description": "A STAC Item."}},
)
def read_evidence_stac(
    caller: CallerDep, evidence_id: EvidenceId, session: ReadSessionDep
) -> Response:
    """A satellite evidence item as a STAC Item, to go back into STAC catalogues; its
    geometry is null for a sensitive monument unless the caller may see exact locations."""
    item, monument = evidence.get_item(session=session, evidence_id=evidence_id)
    if item.kind != EvidenceKind.satellite_image:
        raise NotFound(
            f"Evidence item {evidence_id} is a {item.kind}: only satellite images have a STAC Item."
        )
    withheld = monuments.location_withheld(monument, exact_locations=caller.sees_exact_locations)
    return JSONResponse(
        evidence.to_stac(item, withheld=withheld), media_type="application/geo+json"
    )


@router.post("/monuments/{monument_id}/image-pairs", status_code=201, response_model=ImagePairRead)
def create_image_pair(
    request: Request,
    caller: UploaderDep,
    _: JsonBody,
    monument: LockedMonumentDep,
    pair_in: ImagePairCreate,
    session: WriteSessionDep,
) -> Response:
    """Link a before and an after image (satellite or drone) of the monument; with an
    `assessment_id`, their acquisition dates bound that assessment's damage window, which
    then cites the pair (field for their own drafts; staff, admin)."""
    pair = evidence.create_pair(
        session=session,
        monument_id=monument.id,
        before_id=pair_in.before_id,
        after_id=pair_in.after_id,
        assessment_id=pair_in.assessment_id,
        actor=caller,
    )
    return resource_response(
        request,
        evidence.present_pair(session, pair),
        status_code=201,
    )


@router.get("/monuments/{monument_id}/image-pairs", response_model=list[ImagePairRead])
def list_image_pairs(caller: CallerDep, monument: MonumentDep, session: ReadSessionDep) -> Any:
    """The monument's before/after image pairs."""
    return [
        evidence.present_pair(session, pair)
        for pair in evidence.list_pairs(session=session, monument_id=monument.id)
    ]
