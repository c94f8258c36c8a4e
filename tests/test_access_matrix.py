"""The role matrix: every route × every kind of caller, against the documented policy.

The policy below is the README's table. A new route fails `test_every_route_has_a_policy`
until it is added here, so no route can ship without its access rule being tested. The web
pages (/ui/, HTML, not in /openapi.json) have their own matrix: tests/ui/test_access_matrix.py.

One test per route asks it as every kind of caller in turn (keys made once per route, rows
arranged once per route and again after each request that may write), and a failure lists
what each caller got.
"""

import base64

import pytest

from app.core.actors import Caller
from app.keys import service as keys
from app.keys.models import Role
from app.webhooks import service as webhooks
from tests.factories import (
    PROPERTY_BODIES,
    TEST_ACTOR,
    assessment_fields,
    create_assessment,
    create_component,
    create_monument,
    create_photo,
    create_property_record,
    create_restoration,
    create_satellite_item,
    create_site,
    create_source,
    footprint_around,
    monument_fields,
    restoration_fields,
    satellite_fields,
    site_fields,
    source_fields,
    stac_item_fields,
    statement_fields,
)

ANYONE = frozenset({None, "admin", "staff", "field", "partner"})
STAFF = frozenset({"admin", "staff"})
ADMIN = frozenset({"admin"})
ASSESSORS = frozenset({"admin", "staff", "field"})
UPLOADERS = frozenset({"admin", "staff", "field"})
OPEN = "open"  # probes: no authentication at all

# The kinds of record of a property (the path segment) and their id's path parameter.
PROPERTY_PARAMETERS = {
    "attributes": "attribute_id",
    "factors": "factor_id",
    "corrective-measures": "measure_id",
    "benchmarks": "benchmark_id",
    "decisions": "decision_id",
    "missions": "mission_id",
}

POLICY: dict[tuple[str, str], frozenset | str] = {
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    # Not for the public: an admin key, or the scraper's token (tests/metrics).
    ("GET", "/metrics"): ADMIN,
    ("GET", "/api/v1/sites"): ANYONE,
    ("POST", "/api/v1/sites"): STAFF,
    ("GET", "/api/v1/sites/{site_id}"): ANYONE,
    ("PATCH", "/api/v1/sites/{site_id}"): STAFF,
    # Open to all; sensitive positions in it follow the caller's role (tests/bundles).
    ("GET", "/api/v1/sites/{site_id}/bundle"): ANYONE,
    # Open to all; sensitive positions in it follow the caller's role (tests/linked_data).
    ("GET", "/api/v1/sites/{site_id}/export.ttl"): ANYONE,
    ("GET", "/api/v1/monuments"): ANYONE,
    ("POST", "/api/v1/monuments"): STAFF,
    ("GET", "/api/v1/monuments/{monument_id}"): ANYONE,
    ("PATCH", "/api/v1/monuments/{monument_id}"): STAFF,
    ("DELETE", "/api/v1/monuments/{monument_id}"): ADMIN,
    ("GET", "/api/v1/monuments/{monument_id}/assessments"): ANYONE,
    ("POST", "/api/v1/monuments/{monument_id}/assessments"): ASSESSORS,
    ("GET", "/api/v1/assessments/{assessment_id}"): ANYONE,
    ("PATCH", "/api/v1/assessments/{assessment_id}"): ASSESSORS,
    ("POST", "/api/v1/assessments/{assessment_id}/submit"): ASSESSORS,
    ("POST", "/api/v1/assessments/{assessment_id}/review"): STAFF,
    ("POST", "/api/v1/monuments/{monument_id}/photos"): UPLOADERS,
    ("GET", "/api/v1/monuments/{monument_id}/photos"): ANYONE,
    ("GET", "/api/v1/photos/{photo_id}"): ANYONE,
    ("DELETE", "/api/v1/photos/{photo_id}"): STAFF,
    # Of an ordinary monument; sensitive ones: tests/photos/test_api.py.
    ("GET", "/api/v1/photos/{photo_id}/original"): ANYONE,
    ("GET", "/api/v1/photos/{photo_id}/preview"): ANYONE,
    ("GET", "/api/v1/photos/{photo_id}/thumbnail"): ANYONE,
    ("GET", "/api/v1/monuments/{monument_id}/restoration-assessments"): ANYONE,
    ("POST", "/api/v1/monuments/{monument_id}/restoration-assessments"): STAFF,
    ("GET", "/api/v1/sites/{site_id}/restoration-assessments"): ANYONE,
    ("POST", "/api/v1/sites/{site_id}/restoration-assessments"): STAFF,
    ("GET", "/api/v1/restoration-assessments/{restoration_id}"): ANYONE,
    ("PATCH", "/api/v1/restoration-assessments/{restoration_id}"): STAFF,
    ("GET", "/api/v1/sources"): ANYONE,
    ("POST", "/api/v1/sources"): STAFF,
    ("GET", "/api/v1/sources/{source_id}"): ANYONE,
    ("PATCH", "/api/v1/sources/{source_id}"): STAFF,
    ("GET", "/api/v1/reports/sites/{site_id}/state-of-conservation"): ANYONE,
    # The property layer (app/property): staff write, all roles read.
    ("GET", "/api/v1/standard-factors"): ANYONE,
    **{
        rule: allowed
        for kind, parameter in PROPERTY_PARAMETERS.items()
        for rule, allowed in (
            (("GET", f"/api/v1/sites/{{site_id}}/{kind}"), ANYONE),
            (("POST", f"/api/v1/sites/{{site_id}}/{kind}"), STAFF),
            (("GET", f"/api/v1/{kind}/{{{parameter}}}"), ANYONE),
            (("PATCH", f"/api/v1/{kind}/{{{parameter}}}"), STAFF),
        )
    },
    ("POST", "/api/v1/sites/{site_id}/factors/derived"): STAFF,
    ("GET", "/api/v1/monuments/{monument_id}/components"): ANYONE,
    ("POST", "/api/v1/monuments/{monument_id}/components"): STAFF,
    ("GET", "/api/v1/components/{component_id}"): ANYONE,
    ("PATCH", "/api/v1/components/{component_id}"): STAFF,
    ("GET", "/api/v1/reports/summary"): ANYONE,
    ("GET", "/api/v1/audit"): STAFF,
    ("GET", "/api/v1/audit/verify"): STAFF,
    # The feed is open to all; what each caller sees of it follows its role (README).
    ("GET", "/api/v1/changes"): ANYONE,
    ("POST", "/api/v1/webhooks"): ADMIN,
    ("GET", "/api/v1/webhooks"): ADMIN,
    ("GET", "/api/v1/webhooks/{webhook_id}"): ADMIN,
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): ADMIN,
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): ADMIN,
    # Resumable uploads (tus): each upload is seen only by the key that created it.
    ("OPTIONS", "/api/v1/uploads"): ANYONE,
    ("POST", "/api/v1/uploads"): UPLOADERS,
    ("HEAD", "/api/v1/uploads/{upload_id}"): UPLOADERS,
    ("PATCH", "/api/v1/uploads/{upload_id}"): UPLOADERS,
    ("DELETE", "/api/v1/uploads/{upload_id}"): UPLOADERS,
    ("GET", "/api/v1/uploads/{upload_id}"): UPLOADERS,
    ("POST", "/api/v1/monuments/{monument_id}/evidence"): UPLOADERS,
    ("POST", "/api/v1/monuments/{monument_id}/evidence/stac"): UPLOADERS,
    ("GET", "/api/v1/monuments/{monument_id}/evidence"): ANYONE,
    ("GET", "/api/v1/evidence/{evidence_id}"): ANYONE,
    # Footprints of sensitive monuments are withheld: tests/evidence/test_kinds.py.
    ("GET", "/api/v1/evidence/{evidence_id}/stac"): ANYONE,
    ("POST", "/api/v1/monuments/{monument_id}/image-pairs"): UPLOADERS,
    ("GET", "/api/v1/monuments/{monument_id}/image-pairs"): ANYONE,
    # Of a verified assessment; sensitive originals by hash only: tests/evidence.
    ("GET", "/api/v1/assessments/{assessment_id}/evidence-package"): ANYONE,
    ("GET", "/api/v1/signing-keys"): ANYONE,
    # OAI-PMH is public data for harvesters: no key is needed, and none is checked.
    ("GET", "/iiif/monuments/{monument_id}/manifest"): ANYONE,
    ("GET", "/oai"): OPEN,
    ("POST", "/oai"): OPEN,
}
# The callers a write route refuses come first: their requests leave the arranged rows as
# they were, so the rows are arranged again only after each caller the route lets write.
CALLERS = [None, "malformed", "revoked", "partner", "field", "staff", "admin"]


def documented_routes(app) -> set[tuple[str, str]]:
    """Every (method, path) in the app's OpenAPI document."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }


def test_every_route_has_a_policy(app):
    assert documented_routes(app) == set(POLICY)


# The state an assessment must be in for each route to succeed for an allowed caller.
ASSESSMENT_STATE = {
    ("GET", "/api/v1/assessments/{assessment_id}"): "verified",
    ("POST", "/api/v1/assessments/{assessment_id}/review"): "submitted",
    ("GET", "/api/v1/assessments/{assessment_id}/evidence-package"): "verified",
}


def _photo_upload() -> dict:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(out, format="JPEG")
    return {"file": ("gate.jpg", out.getvalue(), "image/jpeg")}


def _tus_upload(database, settings, uploader: Caller, monument_id: int) -> tuple[str, dict]:
    """A started resumable upload of a small JPEG, owned by `uploader`; its URL and body."""
    from datetime import timedelta

    from app.uploads import service as uploads
    from app.uploads.schemas import UploadMetadata

    data = _photo_upload()["file"][1]
    with database.session(write=True) as session:
        upload = uploads.create_upload(
            session=session,
            owner=uploader,
            monument_id=monument_id,
            length=len(data),
            file_name="gate.jpg",
            fields=UploadMetadata(monument_id=monument_id),
            root=settings.resumable_uploads_dir,
            max_bytes=settings.max_upload_bytes,
            expiry=timedelta(hours=1),
        )
    return f"/api/v1/uploads/{upload.token}", {
        "content": data,
        "headers": {
            "Tus-Resumable": "1.0.0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
        },
    }


def arrange(method: str, path: str, database, field_author: Caller, storage) -> dict:
    """The rows a request to this route needs to succeed for an allowed caller, by the path
    parameter's name (drafts belong to the field key)."""
    site_id = create_site(database)
    monument_id = create_monument(database, site_id)
    ids = {
        "site_id": site_id,
        "monument_id": monument_id,
        "assessment_id": create_assessment(
            database,
            monument_id,
            status=ASSESSMENT_STATE.get((method, path), "draft"),
            author=field_author,
        ),
        "restoration_id": create_restoration(database, monument_id),
        "source_id": create_source(database),
        # A IIIF manifest needs a photo of the monument to exist (at least one canvas).
        "photo_id": create_photo(database, storage, monument_id)
        if "{photo_id}" in path or path.startswith("/iiif/")
        else None,
        "webhook_id": None,
        "evidence_id": None,
        "component_id": create_component(database, monument_id),
    }
    if "{evidence_id}" in path or "image-pairs" in path:
        ids["evidence_id"] = create_satellite_item(database, monument_id, "2015-08-27T08:00:00Z")
        ids["after_id"] = create_satellite_item(database, monument_id, "2015-08-31T08:00:00Z")
    for kind, parameter in PROPERTY_PARAMETERS.items():
        ids[parameter] = create_property_record(database, site_id, kind)
    if "{webhook_id}" in path:
        with database.session(write=True) as session:
            ids["webhook_id"] = webhooks.create_subscription(
                session=session,
                url="http://127.0.0.1:9/hooks",
                event_types=["*"],
                description=None,
                actor=TEST_ACTOR,
                allowed_hosts=["127.0.0.1"],
            )[0].id
    return ids


def request_for(method: str, path: str, ids: dict, database, uploader: Caller, settings) -> dict:
    """A request that would succeed for an allowed caller, on the arranged rows `ids`
    (resumable uploads belong to `uploader`)."""
    monument_id = ids["monument_id"]
    if path.startswith("/api/v1/uploads"):
        tus = {"Tus-Resumable": "1.0.0"}
        if path == "/api/v1/uploads":
            metadata = base64.b64encode(str(monument_id).encode()).decode()
            tus |= {"Upload-Length": "1000", "Upload-Metadata": f"monument_id {metadata}"}
            return {"method": method, "url": path, "headers": tus}
        url, chunk = _tus_upload(database, settings, uploader, monument_id)
        if method == "PATCH":
            return {"method": method, "url": url, **chunk}
        return {"method": method, "url": url, "headers": tus}
    url = path.format(**ids)
    if (method, path) == ("POST", "/api/v1/monuments/{monument_id}/photos"):
        return {"method": method, "url": url, "files": _photo_upload(), "headers": {}}
    body = {
        ("POST", "/api/v1/sites"): site_fields(name="Bosra"),
        ("PATCH", "/api/v1/sites/{site_id}"): {"description": "Updated."},
        ("POST", "/api/v1/monuments"): monument_fields(ids["site_id"], name="Arch"),
        ("PATCH", "/api/v1/monuments/{monument_id}"): {"period": "32 AD"},
        ("POST", "/api/v1/monuments/{monument_id}/assessments"): assessment_fields(),
        ("PATCH", "/api/v1/assessments/{assessment_id}"): {"notes": "Re-read the imagery."},
        ("POST", "/api/v1/assessments/{assessment_id}/review"): {"decision": "verify"},
        ("POST", "/api/v1/monuments/{monument_id}/restoration-assessments"): restoration_fields(),
        ("PATCH", "/api/v1/restoration-assessments/{restoration_id}"): {"status": "approved"},
        ("POST", "/api/v1/sources"): source_fields(title="DGAM report on Bosra"),
        ("PATCH", "/api/v1/sources/{source_id}"): {"language": "ar"},
        ("POST", "/api/v1/sites/{site_id}/restoration-assessments"): statement_fields(
            restorable_percent_min=None, restorable_percent_max=None
        ),
        ("POST", "/api/v1/webhooks"): {"url": "https://127.0.0.1/hook", "event_types": ["*"]},
        ("POST", "/api/v1/monuments/{monument_id}/evidence"): satellite_fields(),
        ("POST", "/api/v1/monuments/{monument_id}/evidence/stac"): stac_item_fields(),
        ("POST", "/api/v1/monuments/{monument_id}/image-pairs"): {
            "before_id": ids.get("evidence_id"),
            "after_id": ids.get("after_id"),
        },
        ("POST", "/api/v1/monuments/{monument_id}/components"): {"name": "Gateway"},
        ("PATCH", "/api/v1/components/{component_id}"): {"description": "Stands."},
        **{
            ("POST", f"/api/v1/sites/{{site_id}}/{kind}"): PROPERTY_BODIES[kind]
            for kind in PROPERTY_PARAMETERS
        },
        **{
            ("PATCH", f"/api/v1/{kind}/{{{parameter}}}"): {"source_ids": []}
            for kind, parameter in PROPERTY_PARAMETERS.items()
        },
    }.get((method, path))
    request = {"method": method, "url": url, "json": body, "headers": {"If-Match": "*"}}
    if path == "/oai":
        # OAI-PMH takes its arguments in the query string (GET) or a form body (POST).
        request["params" if method == "GET" else "data"] = {"verb": "Identify"}
    return request


def key_caller(database, secret: str) -> Caller:
    """The caller an active key stands for."""
    with database.session(write=False) as session:
        key = keys.find_active_key(session=session, secret=secret)
    return Caller(role=Role(key.role), key_id=key.id, name=key.name)


def revoked_key(database) -> str:
    """The secret of a staff key that has been revoked."""
    with database.session(write=True) as session:
        key, secret = keys.create_key(
            session=session, name="test revoked", role=Role.staff, actor=TEST_ACTOR
        )
        keys.revoke_key(session=session, key_id=key.id, actor=TEST_ACTOR)
    return secret


def admitted(allowed: frozenset | str) -> str:
    """A rule of POLICY in words, for failure messages."""
    if allowed == OPEN:
        return "everyone, without checking keys"
    return ", ".join(sorted(role or "anonymous" for role in allowed))


def unexpected(allowed: frozenset | str, caller: str | None, response) -> str | None:
    """What is wrong with the answer to `caller` under the rule `allowed` (None: nothing)."""
    status = response.status_code
    if allowed == OPEN:
        expected = "200"
        right = status == 200
    elif caller in ("revoked", "malformed"):
        expected = "401"
        right = status == 401
    elif caller in allowed:
        expected = "200, 201 or 204"
        right = status in (200, 201, 204)
    elif caller is None:
        expected = "401 with a Bearer challenge"
        right = status == 401 and response.headers.get("www-authenticate", "").startswith("Bearer")
    else:
        expected = "403"
        right = status == 403
    return None if right else f"expected {expected}: {' '.join(response.text.split())[:300]}"


# Requests that change nothing: the rows arranged for one caller serve the next one too.
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize(("method", "path"), sorted(POLICY), ids=lambda x: x)
def test_route_answers_each_caller_as_documented(client, api_keys, database, method, path):
    """Every kind of caller in CALLERS, one after the other; a failure lists each caller's
    answer. After a write that got through, the next caller gets rows arranged afresh."""
    allowed = POLICY[(method, path)]
    settings = client.app.state.settings
    field_author = key_caller(database, api_keys["field"])
    secrets = api_keys | {"revoked": revoked_key(database)}
    ids = None
    answers, wrong = [], 0
    for caller in CALLERS:
        if ids is None:
            ids = arrange(method, path, database, field_author, client.app.state.storage)
        # Resumable uploads belong to the key that started them: each caller tries its own.
        uploader = field_author
        if caller in ("admin", "staff", "field"):
            uploader = key_caller(database, api_keys[caller])
        request = request_for(method, path, ids, database, uploader, settings)
        if caller == "malformed":
            request["headers"]["Authorization"] = "Token abc"
        elif caller is not None:
            request["headers"]["Authorization"] = f"Bearer {secrets[caller]}"

        response = client.request(**request)

        problem = unexpected(allowed, caller, response)
        wrong += problem is not None
        answers.append(f"{caller or 'anonymous':>10}: {response.status_code} {problem or 'ok'}")
        # A refused request leaves nothing behind, so its rows serve the next caller; rows
        # are arranged afresh only after a request that may have changed them got through.
        if method not in SAFE_METHODS and response.status_code < 400:
            ids = None
    assert not wrong, f"{method} {path} admits {admitted(allowed)}:\n" + "\n".join(answers)


# A sensitive monument's exact position, with digits found nowhere else in the registry.
EXACT_LAT, EXACT_LON = 34.5473917, 38.2739461
EXACT_DIGITS = ("34.5473", "38.2739", "5473917", "2739461")
# Answers to anonymous and partner callers that do not depend on the registry's data.
NOT_DATA = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}


def _readable(response) -> str:
    """A response's text, with every member of a zip (the offline bundle) unpacked."""
    if response.headers.get("content-type", "").startswith("application/zip"):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
            return "\n".join(
                bundle.read(name).decode("utf-8", "replace") for name in bundle.namelist()
            )
    return response.content.decode("utf-8", "replace")


def _reads_for(ids: dict[str, int]) -> list[tuple[str, dict]]:
    """Every GET route with the sensitive monument's ids, each report in every format,
    and each OAI-PMH verb that shows records."""
    reads = []
    for method, path in sorted(POLICY):
        if method != "GET" or (method, path) in NOT_DATA:
            continue
        url = path.format(**ids)
        if path.endswith("/state-of-conservation"):
            reads += [(url, {"format": f}) for f in ("json", "csv", "geojson", "html", "pdf")]
        elif path == "/oai":
            record = {"metadataPrefix": "oai_dc"}
            identifier = f"oai:heritage-registry.example:monument/{ids['monument_id']}"
            reads += [
                (url, {"verb": "ListRecords", **record}),
                (url, {"verb": "ListIdentifiers", **record}),
                (url, {"verb": "GetRecord", "identifier": identifier, **record}),
            ]
        elif path == "/api/v1/changes":
            reads.append((url, {"limit": 200}))
        elif path == "/api/v1/monuments":
            reads += [(url, {}), (url, {"bbox": "38.2,34.5,38.3,34.6"}), (url, {"q": "Hypogeum"})]
        else:
            reads.append((url, {}))
    return reads


@pytest.mark.parametrize("reader", [None, "partner"], ids=lambda r: r or "anonymous")
def test_sensitive_coordinates_reach_no_anonymous_or_partner_reader_nor_any_log(
    client, auth, database, reader
):
    import io
    import logging

    from PIL import Image

    from app.core.logs import formatter
    from tests.photos.pictures import exif, jpeg_bytes

    log_lines = io.StringIO()
    handler = logging.StreamHandler(log_lines)
    handler.setFormatter(formatter())
    logging.getLogger().addHandler(handler)
    try:
        site_id = create_site(database, lat=34.55, lon=38.27)
        staff = auth("staff")
        monument = client.post(
            "/api/v1/monuments",
            json=monument_fields(site_id, name="Hypogeum", lat=EXACT_LAT, lon=EXACT_LON)
            | {"sensitive": True, "location_precision_m": 5},
            headers=staff,
        ).json()
        monument_id = monument["id"]
        assessment = client.post(
            f"/api/v1/monuments/{monument_id}/assessments",
            json=assessment_fields(notes="Looted; see the photographs."),
            headers=staff,
        ).json()
        client.post(f"/api/v1/assessments/{assessment['id']}/submit", headers=staff)
        client.post(
            f"/api/v1/assessments/{assessment['id']}/review",
            json={"decision": "verify"},
            headers=auth("admin"),
        )
        photo = client.post(
            f"/api/v1/monuments/{monument_id}/photos",
            files={
                "file": (
                    f"hypogeum_{EXACT_LAT}_{EXACT_LON}.jpg",
                    jpeg_bytes(exif_data=exif(gps=(EXACT_LAT, EXACT_LON))),
                    "image/jpeg",
                )
            },
            headers=auth("field"),
        ).json()
        ids = {
            "site_id": site_id,
            "monument_id": monument_id,
            "assessment_id": assessment["id"],
            "photo_id": photo["id"],
            "restoration_id": create_restoration(database, monument_id),
            "source_id": create_source(database),
            "webhook_id": 1,
            "upload_id": "not-theirs",
            "evidence_id": client.post(
                f"/api/v1/monuments/{monument_id}/evidence",
                json=satellite_fields(footprint=footprint_around(EXACT_LAT, EXACT_LON)),
                headers=staff,
            ).json()["id"],
            "component_id": create_component(database, monument_id),
        }
        for kind, parameter in PROPERTY_PARAMETERS.items():
            # Attributes and factors name the sensitive monument: only its id may show.
            links = {"monument_ids": [monument_id]} if kind in ("attributes", "factors") else {}
            ids[parameter] = create_property_record(database, site_id, kind, **links)
        # Staff do see the exact position: the digits are there to be leaked.
        exact = client.get(f"/api/v1/monuments/{monument_id}", headers=staff).text
        assert all(digits in exact for digits in EXACT_DIGITS[:2])

        answered = []
        for url, params in _reads_for(ids):
            response = client.get(url, params=params, headers=auth(reader))
            answered.append((url, params, response.status_code))
            body = _readable(response)
            head = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
            for digits in EXACT_DIGITS:
                assert digits not in body, f"{url} {params} shows {digits}"
                assert digits not in head, f"{url} {params} sends {digits} in a header"
            if url.endswith(("/preview", "/thumbnail")):
                assert response.status_code == 200
                derivative = Image.open(io.BytesIO(response.content))
                assert not derivative.getexif()
                assert not {"exif", "xmp", "icc_profile", "comment"} & set(derivative.info)
            if url.endswith("/original"):
                assert response.status_code == 403
        # The reads did reach the data (a 404 everywhere would show nothing, and prove nothing).
        shown = {url for url, _, status in answered if status == 200}
        assert f"/api/v1/monuments/{monument_id}" in shown
        assert f"/api/v1/photos/{photo['id']}" in shown
        assert f"/api/v1/reports/sites/{site_id}/state-of-conservation" in shown
        assert "/oai" in shown and "/api/v1/changes" in shown
        assert f"/api/v1/sites/{site_id}/bundle" in shown
        assert f"/api/v1/evidence/{ids['evidence_id']}/stac" in shown
        assert f"/api/v1/assessments/{assessment['id']}/evidence-package" in shown
    finally:
        logging.getLogger().removeHandler(handler)
    logged = log_lines.getvalue()
    assert "/api/v1/monuments" in logged  # the access lines were captured
    for digits in EXACT_DIGITS:
        assert digits not in logged
