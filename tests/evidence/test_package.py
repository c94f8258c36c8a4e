"""Signed evidence packages: what they hold, who may have which file, and the offline check
that names any file changed by one byte."""

import base64
import hashlib
import io
import json
import re
import subprocess
import zipfile

import pytest

from app.audit import service as audit
from tests.cli import SCRIPT, Ran, run_command
from tests.factories import create_assessment, create_monument
from tests.photos.pictures import BEL, exif, jpeg_bytes
from tests.photos.test_api import upload


def package_of(client, auth, database, *, sensitive=False, role="staff"):
    """A verified assessment with a photo (GPS in its EXIF) and its package, as `role`."""
    monument_id = create_monument(database, sensitive=sensitive)
    assessment_id = create_assessment(database, monument_id, status="submitted")
    photo = upload(
        client,
        monument_id,
        jpeg_bytes(exif_data=exif(gps=BEL)),
        headers=auth("staff"),
        assessment_id=str(assessment_id),
    )
    assert photo.status_code == 201, photo.text
    review = client.post(
        f"/api/v1/assessments/{assessment_id}/review",
        json={"decision": "verify", "note": "checked"},
        headers=auth("staff"),
    )
    assert review.status_code == 200, review.text
    response = client.get(
        f"/api/v1/assessments/{assessment_id}/evidence-package", headers=auth(role)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return response.content, photo.json(), assessment_id


def verify(tmp_path, data: bytes, *args: str, process: bool = False) -> Ran:
    """`heritage-registry evidence verify` on the package: in this process, or (`process`)
    as the installed script in an empty environment, as a recipient with no registry runs it."""
    path = tmp_path / "package.zip"
    path.write_bytes(data)
    if not process:
        return run_command({}, "evidence", "verify", str(path), *args)
    finished = subprocess.run(
        [SCRIPT, "evidence", "verify", str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    return Ran(finished.returncode, finished.stdout, finished.stderr)


def rewritten(data: bytes, name: str, change) -> bytes:
    """The same zip with one member's bytes changed by `change`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, change(content) if info.filename == name else content)
    return out.getvalue()


def flip_one_byte(content: bytes) -> bytes:
    middle = len(content) // 2
    return content[:middle] + bytes([content[middle] ^ 0x01]) + content[middle + 1 :]


def test_a_verified_assessments_package_holds_crate_files_chain_head_and_signature(
    client, auth, database
):
    data, photo, assessment_id = package_of(client, auth, database)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        signature = json.loads(archive.read("signature.json"))
        crate = json.loads(archive.read("ro-crate-metadata.json"))
        original = archive.read(f"files/photo-{photo['id']}.jpg")
    assert {"ro-crate-metadata.json", "assessment.json", "manifest.json"} <= names
    assert hashlib.sha256(original).hexdigest() == photo["sha256"]
    assert manifest["files"][f"files/photo-{photo['id']}.jpg"] == photo["sha256"]
    assert manifest["assessment_id"] == assessment_id
    with database.session(write=False) as session:
        assert manifest["audit_chain_head"] == audit.chain_head(session=session)
    keys = client.get("/api/v1/signing-keys").json()["keys"]
    assert signature["public_key"] == keys[0]["public_key"]
    assert signature["key_id"] == keys[0]["key_id"] == manifest["key_id"]
    graph = {entity["@id"]: entity for entity in crate["@graph"]}
    assert graph[f"files/photo-{photo['id']}.jpg"]["sha256"] == photo["sha256"]
    actions = [e for e in crate["@graph"] if e["@type"] in ("CreateAction", "AssessAction")]
    assert {a["name"].split()[0] for a in actions} >= {"create", "verify"}
    assert f"#assessment-{assessment_id}" in graph


def test_the_package_verifies_with_the_command_and_with_the_published_key(
    client, auth, database, tmp_path
):
    data, _, _ = package_of(client, auth, database)
    result = verify(tmp_path, data, process=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout
    published = client.get("/api/v1/signing-keys").json()["keys"][0]["public_key"]
    assert verify(tmp_path, data, "--public-key", published).returncode == 0
    other = base64.b64encode(bytes(32)).decode()
    pinned = verify(tmp_path, data, "--public-key", other)
    assert pinned.returncode == 1
    assert "signature.json" in pinned.stdout


@pytest.mark.parametrize(
    "member",
    ["photo", "assessment.json", "ro-crate-metadata.json", "manifest.json"],
)
def test_one_byte_changed_in_any_file_or_the_manifest_fails_and_names_it(
    client, auth, database, tmp_path, member
):
    data, photo, _ = package_of(client, auth, database)
    name = f"files/photo-{photo['id']}.jpg" if member == "photo" else member
    result = verify(tmp_path, rewritten(data, name, flip_one_byte))
    assert result.returncode == 1
    assert name in result.stdout


def test_a_file_added_to_the_package_fails_and_is_named(client, auth, database, tmp_path):
    data, _, _ = package_of(client, auth, database)
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("files/planted.jpg", b"not evidence")
    result = verify(tmp_path, out.getvalue())
    assert result.returncode == 1
    assert "files/planted.jpg" in result.stdout


@pytest.mark.parametrize("role", [None, "partner"])
def test_a_sensitive_monuments_original_is_only_a_hash_for_callers_who_may_not_have_it(
    client, auth, database, tmp_path, role
):
    data, photo, _ = package_of(client, auth, database, sensitive=True, role=role)
    name = f"files/photo-{photo['id']}.jpg"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert name not in archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        crate = archive.read("ro-crate-metadata.json").decode()
        shown = json.loads(archive.read("assessment.json"))
    assert manifest["withheld"] == {name: photo["sha256"]}
    assert "IMG_0042" not in crate
    # The exact latitude, not the seconds of a timestamp (…T18:48:34.547590).
    exact_latitude = re.compile(r"(?<![\d:])34\.547")
    assert not exact_latitude.search(crate) and not exact_latitude.search(json.dumps(shown))
    assert verify(tmp_path, data).returncode == 0


def test_field_staff_get_a_sensitive_monuments_original_in_the_package(client, auth, database):
    data, photo, _ = package_of(client, auth, database, sensitive=True, role="field")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert f"files/photo-{photo['id']}.jpg" in archive.namelist()


def test_an_assessment_not_yet_verified_has_no_package(client, auth, database):
    monument_id = create_monument(database)
    assessment_id = create_assessment(database, monument_id, status="submitted")
    response = client.get(
        f"/api/v1/assessments/{assessment_id}/evidence-package", headers=auth("staff")
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    hidden = client.get(f"/api/v1/assessments/{assessment_id}/evidence-package")
    assert hidden.status_code == 404


def test_the_signing_key_is_made_once_and_kept(client, settings):
    first = client.get("/api/v1/signing-keys").json()["keys"][0]
    second = client.get("/api/v1/signing-keys").json()["keys"][0]
    assert first == second
    assert settings.signing_key_file.exists()
    assert settings.signing_key_file.stat().st_mode & 0o077 == 0


def test_an_altered_original_stops_the_package(client, auth, database, media_root):
    monument_id = create_monument(database)
    assessment_id = create_assessment(database, monument_id, status="submitted")
    photo = upload(
        client, monument_id, jpeg_bytes(), headers=auth("staff"), assessment_id=str(assessment_id)
    ).json()
    client.post(
        f"/api/v1/assessments/{assessment_id}/review",
        json={"decision": "verify", "note": "checked"},
        headers=auth("staff"),
    )
    (original,) = [p for p in media_root.rglob(photo["sha256"]) if "originals" in p.parts]
    original.write_bytes(original.read_bytes() + b"\0")
    response = client.get(f"/api/v1/assessments/{assessment_id}/evidence-package")
    assert response.status_code == 409
    assert f"Photo {photo['id']}" in response.json()["detail"]
