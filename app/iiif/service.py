"""IIIF Presentation 3 manifests of a monument's photos, built with iiif-prezi3.

Each photo is a Canvas painted with its preview (metadata-free, so public), with the
thumbnail as the canvas thumbnail, its caption as label and its capture time as navDate.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from app.assessments.models import ImagePair
from app.core.actors import shown_actor
from app.core.errors import NotFound
from app.monuments.models import Monument
from app.photos import evidence
from app.photos.images import PREVIEW_BOX, THUMBNAIL_BOX, fit_within
from app.photos.models import EvidenceItem, Photo

if TYPE_CHECKING:
    from iiif_prezi3 import Manifest

# EXIF orientations 5–8 are rotated by a quarter turn: the picture shows height × width.
QUARTER_TURNS = frozenset({5, 6, 7, 8})


def _shown_size(photo: Photo) -> tuple[int, int]:
    if photo.orientation in QUARTER_TURNS:
        return photo.height, photo.width
    return photo.width, photo.height


def _language_map(text: str) -> dict[str, list[str]]:
    # "none": the language of names and captions is not recorded.
    return {"none": [text]}


def _names_map(monument: Monument) -> dict[str, list[str]]:
    """Every name of the monument by language (BCP 47), the display name first; `none` for
    names whose language is not known."""
    names = monument.names or [{"value": monument.name, "lang": "und"}]
    labels: dict[str, list[str]] = {}
    for name in sorted(names, key=lambda name: name["value"] != monument.name):
        labels.setdefault("none" if name["lang"] == "und" else name["lang"], []).append(
            name["value"]
        )
    return labels


def _see_also(monument: Monument) -> list[dict[str, str]]:
    # The monument in other datasets (Wikidata, GeoNames, Pleiades…), where they have URIs.
    return [
        {
            "id": item["uri"],
            "type": "Dataset",
            "label": {"none": [f"{item['scheme']}:{item['value']}"]},
        }
        for item in monument.identifiers
        if item.get("uri")
    ]


# SPDX identifiers of the Creative Commons licences (`CC-BY-SA-4.0`, `CC0-1.0`) and the URIs
# IIIF's `rights` takes for them.
_CC_SPDX = re.compile(r"CC-(BY(?:-NC)?(?:-SA|-ND)?)-(\d\.\d)", re.IGNORECASE)
_RIGHTS_URI = re.compile(
    r"https?://(creativecommons\.org/(licenses|publicdomain)/|rightsstatements\.org/vocab/)\S+"
)


def rights_uri(licence: str | None) -> str | None:
    """The IIIF `rights` URI of a photo's licence: a Creative Commons or RightsStatements.org
    URL as given, an SPDX Creative Commons identifier as its URL; None for anything else
    (the licence is then only in `requiredStatement` and `metadata`)."""
    if not licence:
        return None
    text = licence.strip()
    if _RIGHTS_URI.fullmatch(text):
        return text.replace("https://", "http://", 1)
    if text.upper() == "CC0-1.0":
        return "http://creativecommons.org/publicdomain/zero/1.0/"
    spdx = _CC_SPDX.fullmatch(text)
    if spdx:
        return f"http://creativecommons.org/licenses/{spdx[1].lower()}/{spdx[2]}/"
    return None


def _licence_statement(licence: str, photographer: str | None) -> dict[str, Any]:
    said = f"{licence}, {photographer}" if photographer else licence
    return {"label": {"en": ["Licence"]}, "value": _language_map(said)}


def monument_manifest(*, session: Session, monument: Monument, base_url: str) -> Manifest:
    """The manifest of every photo of the monument, oldest upload first; `NotFound` when it
    has none (Presentation 3 requires at least one Canvas)."""
    base_url = base_url.rstrip("/")
    manifest_id = f"{base_url}/iiif/monuments/{monument.id}/manifest"
    photos = session.exec(
        select(Photo).where(Photo.monument_id == monument.id).order_by(Photo.id)
    ).all()
    if not photos:
        raise NotFound(
            f"Monument {monument.id} has no photos yet, and a IIIF manifest needs at least "
            f"one canvas; GET /api/v1/monuments/{monument.id}/photos lists them once uploaded."
        )
    # Imported on first use: iiif-prezi3 takes a third of a second to import, which every
    # start of the service and of each command would otherwise pay.
    from iiif_prezi3 import Manifest

    licences = {photo.license for photo in photos}
    shared = licences.pop() if len(licences) == 1 else None
    whole: dict[str, Any] = {}
    if shared:
        whole["requiredStatement"] = _licence_statement(shared, None)
        if rights_uri(shared):
            whole["rights"] = rights_uri(shared)
    manifest = Manifest(
        id=manifest_id,
        label=_names_map(monument),
        summary=_language_map(f"Photographic evidence of {monument.name} ({monument.type})."),
        homepage=[
            {
                "id": f"{base_url}/api/v1/monuments/{monument.id}",
                "type": "Text",
                "label": _language_map(monument.name),
                "format": "application/json",
            }
        ],
        **whole,
    )
    if see_also := _see_also(monument):
        manifest.seeAlso = see_also
    items = evidence.items_of_photos(session=session, photo_ids=[p.id for p in photos])
    for photo in photos:
        photo_url = f"{base_url}/api/v1/photos/{photo.id}"
        canvas_id = f"{manifest_id.removesuffix('/manifest')}/canvas/{photo.id}"
        width, height = _shown_size(photo)
        preview_width, preview_height = fit_within(width, height, PREVIEW_BOX)
        thumb_width, thumb_height = fit_within(width, height, THUMBNAIL_BOX)
        uploader = shown_actor(photo.uploaded_by, photo.uploaded_by_key_id, names=False)
        metadata = [
            # Manifests are public: the uploading team by role and key, never by name.
            {"label": {"en": ["Uploaded by"]}, "value": _language_map(uploader)},
            {"label": {"en": ["SHA-256 of the original"]}, "value": _language_map(photo.sha256)},
        ]
        if photo.taken_at:
            taken = photo.taken_at.isoformat(timespec="seconds")
            metadata.insert(0, {"label": {"en": ["Taken"]}, "value": _language_map(taken)})
        if photo.photographer:
            metadata.append(
                {"label": {"en": ["Photographer"]}, "value": _language_map(photo.photographer)}
            )
        if photo.license:
            metadata.append({"label": {"en": ["Licence"]}, "value": _language_map(photo.license)})
        metadata += _evidence_metadata(items.get(photo.id))
        rights: dict[str, Any] = {}
        if photo.license:
            rights["requiredStatement"] = _licence_statement(photo.license, photo.photographer)
            if rights_uri(photo.license):
                rights["rights"] = rights_uri(photo.license)
        canvas = manifest.make_canvas(
            **rights,
            id=canvas_id,
            label=_language_map(photo.caption or f"Photo {photo.id}"),
            width=width,
            height=height,
            metadata=metadata,
            thumbnail=[
                {
                    "id": f"{photo_url}/thumbnail",
                    "type": "Image",
                    "format": "image/jpeg",
                    "width": thumb_width,
                    "height": thumb_height,
                }
            ],
        )
        if photo.taken_at:
            canvas.navDate = photo.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        canvas.add_image(
            image_url=f"{photo_url}/preview",
            anno_page_id=f"{canvas_id}/page",
            anno_id=f"{canvas_id}/image",
            format="image/jpeg",
            width=preview_width,
            height=preview_height,
        )
    _add_pair_ranges(session, manifest, monument, items, manifest_id.removesuffix("/manifest"))
    return manifest


def _evidence_metadata(item: EvidenceItem | None) -> list[dict]:
    """What kind of evidence a canvas is, and the facts of its kind (no position: a
    footprint would place a sensitive monument)."""
    if item is None:
        return []
    facts = {
        "Evidence kind": str(item.kind),
        "Sensor or platform": item.sensor,
        "Provider": item.provider,
        "Video": item.video_source,
        "Timecode": item.timecode,
    }
    return [
        {"label": {"en": [label]}, "value": _language_map(value)}
        for label, value in facts.items()
        if value
    ]


def _add_pair_ranges(
    session: Session,
    manifest: Manifest,
    monument: Monument,
    items: dict[int, EvidenceItem],
    base: str,
) -> None:
    """A Range of two canvases for each before/after pair whose images are both held."""
    from iiif_prezi3 import CanvasRef

    canvas_of = {item.id: photo_id for photo_id, item in items.items()}
    pairs = session.exec(
        select(ImagePair).where(ImagePair.monument_id == monument.id).order_by(ImagePair.id)
    ).all()
    for pair in pairs:
        if pair.before_id in canvas_of and pair.after_id in canvas_of:
            manifest.make_range(
                id=f"{base}/range/pair-{pair.id}",
                label={"en": [f"Before and after (image pair {pair.id})"]},
                items=[
                    CanvasRef(id=f"{base}/canvas/{canvas_of[pair.before_id]}", type="Canvas"),
                    CanvasRef(id=f"{base}/canvas/{canvas_of[pair.after_id]}", type="Canvas"),
                ],
            )
