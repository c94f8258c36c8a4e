"""HTTP routes for signed evidence packages and the key that signs them."""

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from app.assessments.dependencies import AssessmentDep
from app.core.auth import CallerDep, get_caller
from app.core.dependencies import ReadSessionDep, SettingsDep, StorageDep
from app.core.errors import PROBLEM_JSON, Problem
from app.core.http import content_disposition
from app.evidence import package, signing

router = APIRouter(prefix="/api/v1", tags=["evidence"], dependencies=[Depends(get_caller)])


class SigningKeyRead(BaseModel):
    """A public key that signs evidence packages."""

    key_id: str = Field(description="Named in each package's signature.json.")
    algorithm: str
    public_key: str = Field(description="The raw 32-byte public key, base64.")
    public_key_pem: str


class SigningKeys(BaseModel):
    """The keys evidence packages are signed with."""

    keys: list[SigningKeyRead]


@router.get(
    "/assessments/{assessment_id}/evidence-package",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "A signed zip."},
        409: {
            "model": Problem,
            "content": {PROBLEM_JSON: {}},
            "description": "The assessment is not verified, or a stored original no longer "
            "matches its recorded hash.",
        },
    },
)
def download_evidence_package(
    caller: CallerDep,
    assessment: AssessmentDep,
    session: ReadSessionDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> Response:
    """A verified assessment's evidence package: RO-Crate metadata, its evidence files (a
    sensitive monument's originals by hash only, unless the caller may have them), the
    audit chain head and an Ed25519 signature; check it with
    `heritage-registry evidence verify PACKAGE.zip`."""
    data = package.build(
        session=session,
        storage=storage,
        assessment=assessment,
        caller=caller,
        key=signing.load_or_create(settings.signing_key_file),
    )
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(
                "attachment", f"assessment-{assessment.id}-evidence.zip"
            ),
            "Cache-Control": "no-store",
        },
    )


@router.get("/signing-keys", response_model=SigningKeys)
def list_signing_keys(settings: SettingsDep) -> SigningKeys:
    """The public key evidence packages are signed with, to check them offline."""
    key = signing.load_or_create(settings.signing_key_file)
    return SigningKeys(
        keys=[
            SigningKeyRead(
                key_id=key.key_id,
                algorithm=signing.ALGORITHM,
                public_key=signing.b64(key.public_raw),
                public_key_pem=key.public_pem,
            )
        ]
    )
