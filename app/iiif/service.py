"""IIIF Presentation 3 manifests of a monument's photos, built with iiif-prezi3.

Each photo is a Canvas painted with its preview (metadata-free, so public), with the
thumbnail as the canvas thumbnail, its caption as label and its capture time as navDate.
"""

from iiif_prezi3 import CanvasRef, Manifest
from sqlmodel import Session, select

from app.assessments.models import ImagePair
from app.core.actors import shown_actor
from app.monuments.models import Monument
from app.photos import evidence
from app.photos.images import PREVIEW_BOX, THUMBNAIL_BOX, fit_within
from app.photos.models import EvidenceItem, Photo

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


def monument_manifest(*, session: Session, monument: Monument, base_url: str) -> Manifest:
    """The manifest of every photo of the monument, oldest upload first."""
    base_url = base_url.rstrip("/")
    manifest_id = f"{base_url}/iiif/monuments/{monument.id}/manifest"
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
    )
    if see_also := _see_also(monument):
        manifest.seeAlso = see_also
    photos = session.exec(
        select(Photo).where(Photo.monument_id == monument.id).order_by(Photo.id)
    ).all()
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
        canvas = manifest.make_canvas(
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
