"""Signed evidence packages: an assessment, its sources, its evidence files and who did what
when, in one zip anyone can check offline.

The zip holds `ro-crate-metadata.json` (RO-Crate 1.x, built with the `rocrate` library),
`assessment.json`, the evidence files under `files/` (a file withheld from the caller is
listed with its hash only), `manifest.json` (the SHA-256 of every other file and the audit
chain head) and `signature.json` (Ed25519 over the exact bytes of `manifest.json`).
"""

import hashlib
import io
import json
import mimetypes
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, select

from app.assessments import service as assessments
from app.assessments.models import AssessmentStatus, DamageAssessment, ImagePair
from app.audit import service as audit
from app.audit.models import AuditEvent
from app.core.actors import Caller, shown_actor
from app.core.errors import Conflict
from app.core.storage import MissingFile, Storage
from app.core.time import utc_now
from app.evidence import signing
from app.monuments import service as monuments
from app.monuments.models import Monument
from app.photos import evidence
from app.photos import service as photos
from app.photos.models import EvidenceItem, Photo

FORMAT = "heritage-registry evidence package 1"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
CRATE = "ro-crate-metadata.json"
# Actions of the audit trail, as schema.org actions in the crate.
ACTIONS = {
    "create": "CreateAction",
    "update": "UpdateAction",
    "submit": "UpdateAction",
    "verify": "AssessAction",
    "reject": "AssessAction",
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"


def _file_name(photo: Photo) -> str:
    extension = mimetypes.guess_extension(photo.content_type) or ".bin"
    return f"files/photo-{photo.id}{'.jpg' if extension == '.jpe' else extension}"


def _read_verified(storage: Storage, photo: Photo) -> bytes:
    """The original's bytes, refused when they no longer match the hash recorded at upload:
    a package must never vouch for altered evidence."""
    try:
        with storage.open(photo.original_key) as stream:
            data = stream.read()
    except MissingFile:
        data = b""
    if _sha256(data) != photo.sha256:
        photos.report_altered_file(
            photo,
            "original",
            photos.StoredFile(photo.original_key, photo.sha256, photo.byte_size, ""),
            "hash mismatch while packaging",
        )
        raise Conflict(
            f"Photo {photo.id}'s stored original is missing or no longer matches the SHA-256 "
            "recorded at upload; no package is made until it is restored (heritage-registry "
            "media check)."
        )
    return data


def _events(session: Session, entities: dict[str, Sequence[int]]) -> Sequence[AuditEvent]:
    conditions = [
        (AuditEvent.entity_type == entity_type) & AuditEvent.entity_id.in_(list(ids))
        for entity_type, ids in entities.items()
        if ids
    ]
    return session.exec(select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.id)).all()


def build(
    *,
    session: Session,
    storage: Storage,
    assessment: DamageAssessment,
    caller: Caller,
    key: signing.SigningKey,
) -> bytes:
    """The signed package of a verified assessment, as the caller may see it."""
    if assessment.status != AssessmentStatus.verified:
        raise Conflict(
            f"Assessment {assessment.id} is {assessment.status}: only verified assessments "
            "have evidence packages (what a reviewer judged, and nothing more)."
        )
    monument = session.get(Monument, assessment.monument_id)
    read = assessments.present(
        session=session, assessments=[assessment], names_visible=caller.sees_names
    )[0]
    held = session.exec(
        select(Photo).where(Photo.assessment_id == assessment.id).order_by(Photo.id)
    ).all()
    items = evidence.list_items(session=session, assessment_ids=[assessment.id])
    pairs = session.exec(
        select(ImagePair).where(ImagePair.assessment_id == assessment.id).order_by(ImagePair.id)
    ).all()
    items_by_id = {item.id: item for item in items}
    for pair in pairs:
        for evidence_id in (pair.before_id, pair.after_id):
            if evidence_id not in items_by_id:
                items_by_id[evidence_id] = session.get(EvidenceItem, evidence_id)
    items = sorted(items_by_id.values(), key=lambda item: item.id)
    events = _events(
        session,
        {
            "damage_assessment": [assessment.id],
            "photo": [p.id for p in held],
            "evidence_item": [i.id for i in items],
            "image_pair": [p.id for p in pairs],
        },
    )
    withheld = monuments.location_withheld(monument, exact_locations=caller.sees_exact_locations)
    created_at = utc_now()
    chain_head = audit.chain_head(session=session)

    from rocrate.model.contextentity import ContextEntity  # on first use (app.sites.schemas)
    from rocrate.rocrate import ROCrate

    crate = ROCrate(gen_preview=False)
    root = crate.root_dataset
    root["name"] = f"Evidence for damage assessment {assessment.id}"
    root["description"] = (
        f"{read.damage_level} observed on {read.observed_on} at monument {monument.id}"
        f" ({monument.name})."
    )
    root["datePublished"] = created_at.isoformat()
    root["about"] = {"@id": f"#assessment-{assessment.id}"}
    crate.add(
        ContextEntity(
            crate,
            f"#assessment-{assessment.id}",
            properties={
                "@type": "Observation",
                "name": f"Damage assessment {assessment.id}",
                "observationDate": str(read.observed_on),
                "value": str(read.damage_level),
                "measurementMethod": str(read.method),
                "description": read.notes or "",
                "citation": [{"@id": f"#source-{s.id}"} for s in read.sources],
            },
        )
    )
    for source in read.sources:
        properties = {"@type": "CreativeWork", "name": source.title}
        if source.url:
            properties["url"] = source.url
        crate.add(ContextEntity(crate, f"#source-{source.id}", properties=properties))

    contents: dict[str, bytes] = {"assessment.json": _canonical(read.model_dump(mode="json"))}
    withheld_files: dict[str, str] = {}
    photo_files: dict[int, str] = {}
    for photo in held:
        name = _file_name(photo)
        photo_files[photo.id] = name
        properties = {
            "name": photo.original_filename if not withheld else f"Photo {photo.id}",
            "sha256": photo.sha256,
            "contentSize": photo.byte_size,
            "encodingFormat": photo.content_type,
            "about": {"@id": f"#assessment-{assessment.id}"},
        }
        if photo.taken_at is not None:
            properties["dateCreated"] = photo.taken_at.isoformat()
        if withheld:
            # The original carries the camera's GPS of a sensitive monument: named by hash.
            properties["description"] = "Withheld from this package (sensitive location)."
            withheld_files[name] = photo.sha256
        else:
            contents[name] = _read_verified(storage, photo)
        crate.add_file(source=None, dest_path=name, properties=properties)
    for item in items:
        properties = {
            "@type": "CreativeWork",
            "name": item.title or f"{item.kind} {item.id}",
            "additionalType": str(item.kind),
        }
        facts = {
            "dateCreated": item.acquired_at.isoformat() if item.acquired_at else None,
            "instrument": item.sensor,
            "provider": item.provider,
            "license": item.licence,
            "url": item.source_url,
            "isBasedOn": item.video_source,
            "timecode": item.timecode,
        }
        properties |= {k: v for k, v in facts.items() if v is not None}
        if item.photo_id in photo_files:
            properties["image"] = {"@id": photo_files[item.photo_id]}
        crate.add(ContextEntity(crate, f"#evidence-{item.id}", properties=properties))
    for pair in pairs:
        crate.add(
            ContextEntity(
                crate,
                f"#image-pair-{pair.id}",
                properties={
                    "@type": "Collection",
                    "name": f"Before/after pair {pair.id}",
                    "hasPart": [
                        {"@id": f"#evidence-{pair.before_id}"},
                        {"@id": f"#evidence-{pair.after_id}"},
                    ],
                },
            )
        )
    agents: set[str] = set()
    for event in events:
        agent = shown_actor(event.actor, event.actor_key_id, names=caller.sees_names)
        agent_id = f"#agent-{signing.key_id(agent.encode())}"
        if agent_id not in agents:
            agents.add(agent_id)
            crate.add(ContextEntity(crate, agent_id, properties={"@type": "Person", "name": agent}))
        crate.add(
            ContextEntity(
                crate,
                f"#audit-event-{event.id}",
                properties={
                    "@type": ACTIONS.get(event.action, "UpdateAction"),
                    "name": f"{event.action} {event.entity_type} {event.entity_id}",
                    "agent": {"@id": agent_id},
                    "endTime": event.occurred_at.isoformat(),
                    "identifier": event.hash,
                },
            )
        )
    contents[CRATE] = _canonical(crate.metadata.generate())

    manifest = {
        "format": FORMAT,
        "assessment_id": assessment.id,
        "monument_id": monument.id,
        "created_at": created_at.isoformat(),
        "audit_chain_head": chain_head,
        "key_id": key.key_id,
        "files": {name: _sha256(data) for name, data in sorted(contents.items())},
        "withheld": dict(sorted(withheld_files.items())),
    }
    manifest_bytes = _canonical(manifest)
    signature = {
        "algorithm": signing.ALGORITHM,
        "key_id": key.key_id,
        "public_key": signing.b64(key.public_raw),
        "signed_file": MANIFEST,
        "signature": signing.b64(key.sign(manifest_bytes)),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(contents.items()):
            archive.writestr(name, data)
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, _canonical(signature))
    return buffer.getvalue()


@dataclass(frozen=True)
class Verification:
    """What checking a package found: the key that signed it and every mismatch."""

    key_id: str | None
    audit_chain_head: str | None
    files_checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        """Whether everything matched."""
        return not self.problems


def verify(data: bytes | io.BufferedIOBase, *, trusted_key: str | None = None) -> Verification:
    """Check a package offline: the signature over the manifest, then every file against
    it, then the RO-Crate's hashes; each problem names the file. `trusted_key` (base64
    public key, as /api/v1/signing-keys publishes) pins the signer."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as error:
        return Verification(None, None, 0, [f"not a zip file: {error}"])
    with archive:
        names = set(archive.namelist())
        for required in (MANIFEST, SIGNATURE):
            if required not in names:
                return Verification(None, None, 0, [f"{required}: missing"])
        manifest_bytes = archive.read(MANIFEST)
        try:
            signature = json.loads(archive.read(SIGNATURE))
            public_key, signed = signature["public_key"], signature["signature"]
        except (ValueError, KeyError, TypeError):
            return Verification(None, None, 0, [f"{SIGNATURE}: unreadable"])
        problems: list[str] = []
        if trusted_key is not None and public_key != trusted_key:
            problems.append(f"{SIGNATURE}: signed by another key than the one trusted")
        if not signing.verify(public_key, signed, manifest_bytes):
            problems.append(f"{MANIFEST}: the signature does not match (changed after signing)")
        try:
            manifest = json.loads(manifest_bytes)
            listed: dict[str, str] = dict(manifest["files"])
        except (ValueError, KeyError, TypeError):
            return Verification(None, None, 0, [*problems, f"{MANIFEST}: unreadable"])
        for name, expected in sorted(listed.items()):
            if name not in names:
                problems.append(f"{name}: missing")
            elif _sha256(archive.read(name)) != expected:
                problems.append(f"{name}: SHA-256 does not match the manifest")
        for name in sorted(names - set(listed) - {MANIFEST, SIGNATURE}):
            problems.append(f"{name}: not in the manifest")
        if CRATE in names and CRATE in listed:
            problems += _crate_problems(archive, names, manifest.get("withheld") or {})
        return Verification(
            key_id=signature.get("key_id"),
            audit_chain_head=manifest.get("audit_chain_head"),
            files_checked=len(listed),
            problems=problems,
        )


def _crate_problems(
    archive: zipfile.ZipFile, names: set[str], withheld: dict[str, str]
) -> list[str]:
    """Each file the RO-Crate describes is in the zip with the hash it states, or withheld
    with that hash."""
    problems = []
    try:
        graph = json.loads(archive.read(CRATE))["@graph"]
    except (ValueError, KeyError, TypeError):
        return [f"{CRATE}: unreadable"]
    for entity in graph:
        if entity.get("@type") != "File" or "sha256" not in entity:
            continue
        name = entity["@id"]
        if name in names:
            if _sha256(archive.read(name)) != entity["sha256"]:
                problems.append(f"{name}: SHA-256 does not match {CRATE}")
        elif withheld.get(name) != entity["sha256"]:
            problems.append(f"{name}: neither in the package nor listed as withheld")
    return problems
