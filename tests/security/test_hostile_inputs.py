"""A catalogue of hostile inputs: each is answered with its documented status and leaves
nothing behind (no row in any table, no audit event, no file), or, where the input is
legitimate text however odd (Arabic, combining marks, SQL or path fragments), it is kept
byte for byte and nothing else changes.
"""

import base64
import io
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.core.time import today_utc
from app.monuments.models import Monument
from app.photos.models import Photo
from app.sites.models import Site
from app.tables import metadata
from tests.factories import (
    assessment_fields,
    create_assessment,
    create_monument,
    create_site,
    monument_fields,
    restoration_fields,
    site_fields,
)

TOMORROW = (today_utc() + timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class Hostile:
    """One hostile request and the status it must get."""

    name: str
    method: str
    path: str
    status: int
    caller: str | None = "staff"
    json: Any = None
    content: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    data: dict[str, str] | None = None


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 100, 80)).save(out, format="JPEG")
    return out.getvalue()


def _cursor(payload: Any) -> str:
    raw = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _chunks(total: int):
    # A generator body is sent chunked, without Content-Length: the limit must still hold.
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


JSON_HEADERS = {"Content-Type": "application/json"}
# A solid 16000×4000 lossless WebP: decoding it would take a gigabyte (issue 18, #1).
GIANT_WEBP = bytes.fromhex(
    "524946461e000000574542505650384c110000002f7ffee7030750ade295a7ff8188e87f0000"
)
UPLOADS = "/api/v1/uploads"
TUS = {"Tus-Resumable": "1.0.0"}
CHUNK = {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
# Filled in with the seeded monument's id when the request is sent.
MONUMENT_META = "monument_id {monument_b64}"
SITES = "/api/v1/sites"
ASSESSMENTS = "/api/v1/monuments/{monument_id}/assessments"
PHOTOS = "/api/v1/monuments/{monument_id}/photos"

REFUSED = [
    # Bodies.
    Hostile("body over 1 MiB", "POST", SITES, 413, json=site_fields(description="x" * 1_100_000)),
    Hostile(
        "chunked body over 1 MiB",
        "POST",
        SITES,
        413,
        content=lambda: _chunks(2_000_000),
        headers=JSON_HEADERS,
    ),
    Hostile(
        "100 000 nested arrays",
        "POST",
        SITES,
        400,
        content=b"[" * 100_000 + b"]" * 100_000,
        headers=JSON_HEADERS,
    ),
    Hostile(
        "50 000 nested objects",
        "POST",
        SITES,
        400,
        content=b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        headers=JSON_HEADERS,
    ),
    Hostile(
        "text/plain body",
        "POST",
        SITES,
        415,
        content=json.dumps(site_fields()),
        headers={"Content-Type": "text/plain"},
    ),
    Hostile("form-encoded body", "POST", SITES, 415, data={"name": "Hatra", "country": "IQ"}),
    Hostile(
        "XML body",
        "POST",
        SITES,
        415,
        content=b"<site><name>Hatra</name></site>",
        headers={"Content-Type": "application/xml"},
    ),
    Hostile("no Content-Type", "POST", SITES, 415, content=json.dumps(site_fields()).encode()),
    Hostile(
        "invalid UTF-8",
        "POST",
        SITES,
        400,
        content=b'{"name": "Tadmur \xff\xfe", "country": "SY"}',
        headers=JSON_HEADERS,
    ),
    Hostile(
        "truncated JSON",
        "POST",
        SITES,
        400,
        content=b'{"name": "Hatra", "coun',
        headers=JSON_HEADERS,
    ),
    Hostile("a JSON array, not an object", "POST", SITES, 422, json=[site_fields()]),
    Hostile("JSON null", "POST", SITES, 422, content=b"null", headers=JSON_HEADERS),
    Hostile(
        "integer of 5000 digits",
        "POST",
        SITES,
        400,
        content=b'{"name": "Hatra", "country": "IQ", "whc_id": 1' + b"0" * 5000 + b"}",
        headers=JSON_HEADERS,
    ),
    Hostile("integer of 20 digits", "POST", SITES, 422, json=site_fields(whc_id=10**20)),
    Hostile("unknown field", "POST", SITES, 422, json=site_fields(owner="me")),
    # Text.
    Hostile("NUL byte in a name", "POST", SITES, 422, json=site_fields(name="Palmyra\x00")),
    Hostile(
        "NUL byte in a description",
        "POST",
        SITES,
        422,
        json=site_fields(description="line\x00break"),
    ),
    Hostile(
        "bell and escape in a name", "POST", SITES, 422, json=site_fields(name="Pal\x07myra\x1b[2J")
    ),
    Hostile(
        "lone surrogate in a name",
        "POST",
        SITES,
        422,
        content=b'{"name": "Tadmur \\ud800", "country": "SY"}',
        headers=JSON_HEADERS,
    ),
    Hostile("U+FFFE in a name", "POST", SITES, 422, json=site_fields(name="Tadmur\ufffe")),
    Hostile("U+FFFF in a description", "POST", SITES, 422, json=site_fields(description="\uffff")),
    Hostile("U+FDD0 in a name", "POST", SITES, 422, json=site_fields(name="Tadmur\ufdd0")),
    Hostile(
        "U+10FFFF in an alternative name",
        "POST",
        "/api/v1/monuments",
        422,
        json="monument:alt_names_noncharacter",
    ),
    Hostile("U+FFFE in a search", "GET", "/api/v1/monuments", 422, params={"q": "Bel\ufffe"}),
    Hostile("blank name", "POST", SITES, 422, json=site_fields(name=" \t ")),
    Hostile("name of 301 characters", "POST", SITES, 422, json=site_fields(name="n" * 301)),
    Hostile(
        "NUL byte in an alternative name",
        "POST",
        "/api/v1/monuments",
        422,
        json="monument:alt_names",
    ),
    # Coordinates.
    Hostile("latitude 90.0001", "POST", SITES, 422, json=site_fields(lat=90.0001)),
    Hostile("longitude -180.5", "POST", SITES, 422, json=site_fields(lon=-180.5)),
    Hostile(
        "latitude NaN",
        "POST",
        SITES,
        422,
        content=b'{"name": "Hatra", "country": "IQ", "lat": NaN, "lon": 1}',
        headers=JSON_HEADERS,
    ),
    Hostile(
        "longitude Infinity",
        "POST",
        SITES,
        422,
        content=b'{"name": "Hatra", "country": "IQ", "lat": 1, "lon": Infinity}',
        headers=JSON_HEADERS,
    ),
    Hostile(
        "latitude -Infinity",
        "POST",
        SITES,
        422,
        content=b'{"name": "Hatra", "country": "IQ", "lat": -Infinity, "lon": 1}',
        headers=JSON_HEADERS,
    ),
    Hostile(
        "latitude 1e400",
        "POST",
        SITES,
        422,
        content=b'{"name": "Hatra", "country": "IQ", "lat": 1e400, "lon": 1}',
        headers=JSON_HEADERS,
    ),
    Hostile("precision NaN", "POST", "/api/v1/monuments", 422, json="monument:precision_nan"),
    # Dates.
    Hostile(
        "observed tomorrow", "POST", ASSESSMENTS, 422, json=assessment_fields(observed_on=TOMORROW)
    ),
    Hostile(
        "observed in year 0",
        "POST",
        ASSESSMENTS,
        422,
        json=assessment_fields(observed_on="0000-01-01"),
    ),
    Hostile(
        "observed on 30 February",
        "POST",
        ASSESSMENTS,
        422,
        json=assessment_fields(observed_on="2015-02-30"),
    ),
    Hostile(
        "observed before 1800",
        "POST",
        ASSESSMENTS,
        422,
        json=assessment_fields(observed_on="1799-12-31"),
    ),
    Hostile(
        "restoration assessed tomorrow",
        "POST",
        "/api/v1/monuments/{monument_id}/restoration-assessments",
        422,
        json=restoration_fields(assessed_on=TOMORROW),
    ),
    Hostile("inscribed in year 10000", "POST", SITES, 422, json=site_fields(inscribed_year=10000)),
    Hostile(
        "photo taken at the end of time, west of UTC",
        "POST",
        PHOTOS,
        422,
        caller="field",
        files={"file": ("gate.jpg", _jpeg(), "image/jpeg")},
        data={"taken_at": "9999-12-31T23:59:59-23:59"},
    ),
    Hostile(
        "updated_since past year 9999 in UTC",
        "GET",
        "/api/v1/monuments",
        422,
        params={"updated_since": "9999-12-31T23:59:59-23:59"},
    ),
    Hostile("as_of in year 1", "GET", "/api/v1/monuments", 422, params={"as_of": "0001-01-01"}),
    # Enumerations are exact.
    Hostile("monument type 'Temple'", "POST", "/api/v1/monuments", 422, json="monument:Temple"),
    Hostile(
        "damage level 'DESTROYED'",
        "POST",
        ASSESSMENTS,
        422,
        json=assessment_fields(damage_level="DESTROYED"),
    ),
    Hostile("method 'Drone'", "POST", ASSESSMENTS, 422, json=assessment_fields(method="Drone")),
    Hostile(
        "cause 'Looting'", "POST", ASSESSMENTS, 422, json=assessment_fields(causes=["Looting"])
    ),
    Hostile(
        "review decision 'VERIFY'",
        "POST",
        "/api/v1/assessments/{assessment_id}/review",
        422,
        json={"decision": "VERIFY"},
    ),
    Hostile("type filter 'TEMPLE'", "GET", "/api/v1/monuments", 422, params={"type": "TEMPLE"}),
    # Pagination.
    Hostile("limit -1", "GET", SITES, 422, params={"limit": -1}),
    Hostile("limit 0", "GET", SITES, 422, params={"limit": 0}),
    Hostile("limit 201", "GET", SITES, 422, params={"limit": 201}),
    Hostile("limit 10^30", "GET", SITES, 422, params={"limit": 10**30}),
    Hostile("limit 'all'", "GET", SITES, 422, params={"limit": "all"}),
    Hostile("cursor not base64", "GET", SITES, 400, params={"cursor": "%%%;--"}),
    Hostile(
        "cursor with a negative id",
        "GET",
        SITES,
        400,
        params={"cursor": _cursor({"v": 1, "after": [-1]})},
    ),
    Hostile(
        "cursor with id 2^64",
        "GET",
        SITES,
        400,
        params={"cursor": _cursor({"v": 1, "after": [2**64]})},
    ),
    Hostile(
        "cursor of another version",
        "GET",
        SITES,
        400,
        params={"cursor": _cursor({"v": 2, "after": [1]})},
    ),
    Hostile(
        "cursor holding SQL",
        "GET",
        SITES,
        400,
        params={"cursor": _cursor({"v": 1, "after": ["1; DROP TABLE site"]})},
    ),
    Hostile("cursor of 201 characters", "GET", SITES, 422, params={"cursor": "A" * 201}),
    Hostile(
        "cursor with a NUL in its text key",
        "GET",
        ASSESSMENTS,
        400,
        params={"cursor": _cursor({"v": 1, "after": ["2015-08-31\x00", 1]})},
    ),
    Hostile(
        "cursor with a lone surrogate",
        "GET",
        ASSESSMENTS,
        400,
        params={"cursor": _cursor(b'{"v": 1, "after": ["\\ud800", 1]}')},
    ),
    Hostile(
        "cursor with a date key that is no date",
        "GET",
        ASSESSMENTS,
        400,
        params={"cursor": _cursor({"v": 1, "after": ["not-a-date", 1]})},
    ),
    Hostile(
        "cursor with a date key that is a number",
        "GET",
        ASSESSMENTS,
        400,
        params={"cursor": _cursor({"v": 1, "after": [20150831, 1]})},
    ),
    Hostile(
        "feed cursor forged",
        "GET",
        "/api/v1/changes",
        400,
        params={"since": _cursor({"v": 1, "after": [True]})},
    ),
    # Queries.
    Hostile(
        "report compared with 9999-12-31",
        "GET",
        "/api/v1/reports/sites/{site_id}/state-of-conservation",
        422,
        params={"compare_to": "9999-12-31"},
    ),
    Hostile(
        "report compared with a date after as_of",
        "GET",
        "/api/v1/reports/sites/{site_id}/state-of-conservation",
        422,
        params={"as_of": "2016-01-01", "compare_to": "2016-06-01"},
    ),
    Hostile(
        "report as of 9999-12-31",
        "GET",
        "/api/v1/reports/sites/{site_id}/state-of-conservation",
        422,
        params={"as_of": "9999-12-31"},
    ),
    Hostile("NUL in a search", "GET", "/api/v1/monuments", 422, params={"q": "Bel\x00"}),
    Hostile("NUL in an audit filter", "GET", "/api/v1/audit", 422, params={"entity_type": "\x00"}),
    Hostile("NUL in a country filter", "GET", SITES, 422, params={"country": "S\x00"}),
    Hostile(
        "NUL in a summary filter",
        "GET",
        "/api/v1/reports/summary",
        422,
        params={"country": "\x00\x00"},
    ),
    Hostile("bbox of NaNs", "GET", "/api/v1/monuments", 400, params={"bbox": "nan,nan,nan,nan"}),
    Hostile("bbox of five numbers", "GET", "/api/v1/monuments", 400, params={"bbox": "1,2,3,4,5"}),
    Hostile("id past 2^31", "GET", "/api/v1/monuments/2147483648", 422),
    Hostile("id holding SQL", "GET", "/api/v1/monuments/1;DROP TABLE monument", 422),
    Hostile(
        "path traversal in an id", "GET", "/api/v1/photos/..%2F..%2Fetc%2Fpasswd/original", 404
    ),
    # Preconditions.
    Hostile(
        "If-Match missing",
        "PATCH",
        "/api/v1/sites/{site_id}",
        428,
        json={"description": "Overwritten."},
    ),
    Hostile(
        "If-Match garbage",
        "PATCH",
        "/api/v1/sites/{site_id}",
        412,
        json={"description": "Overwritten."},
        headers={"If-Match": "garbage"},
    ),
    Hostile(
        "If-Match weak tag",
        "PATCH",
        "/api/v1/sites/{site_id}",
        412,
        json={"description": "Overwritten."},
        headers={"If-Match": 'W/"site-etag"'},
    ),
    Hostile(
        "If-Match of 8000 characters",
        "PATCH",
        "/api/v1/sites/{site_id}",
        412,
        json={"description": "Overwritten."},
        headers={"If-Match": '"' + "a" * 8000 + '"'},
    ),
    # Keys.
    Hostile(
        "key of 5000 characters",
        "POST",
        SITES,
        401,
        caller=None,
        json=site_fields(),
        headers={"Authorization": "Bearer " + "k" * 5000},
    ),
    Hostile(
        "key holding SQL",
        "POST",
        SITES,
        401,
        caller=None,
        json=site_fields(),
        headers={"Authorization": "Bearer hr_' OR '1'='1"},
    ),
    Hostile(
        "Basic credentials",
        "POST",
        SITES,
        401,
        caller=None,
        json=site_fields(),
        headers={"Authorization": "Basic YWRtaW46YWRtaW4="},
    ),
    Hostile(
        "Bearer without a key",
        "POST",
        SITES,
        401,
        caller=None,
        json=site_fields(),
        headers={"Authorization": "Bearer "},
    ),
    Hostile(
        "key with an encoded NUL",
        "GET",
        SITES,
        401,
        caller=None,
        headers={"Authorization": "Bearer hr_abc%00def"},
    ),
    # Webhook receivers inside the network (server-side request forgery).
    Hostile(
        "webhook to localhost",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "http://localhost:6379/", "event_types": ["*"]},
    ),
    Hostile(
        "webhook to 0.0.0.0",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "http://0.0.0.0:8000/", "event_types": ["*"]},
    ),
    Hostile(
        "webhook to [::1]",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "http://[::1]:5432/", "event_types": ["*"]},
    ),
    Hostile(
        "webhook to 2130706433",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "http://2130706433:8080/", "event_types": ["*"]},
    ),
    Hostile(
        "webhook to 0x7f000001",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "http://0x7f000001/", "event_types": ["*"]},
    ),
    Hostile(
        "webhook to 127.1",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "http://127.1:9200/", "event_types": ["*"]},
    ),
    Hostile(
        "webhook to 10.0.0.1",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "http://10.0.0.1/admin", "event_types": ["*"]},
    ),
    Hostile(
        "webhook to cloud metadata",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "http://169.254.169.254/latest/meta-data/", "event_types": ["*"]},
    ),
    Hostile(
        "webhook to IPv4-mapped IPv6 loopback",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "http://[::ffff:127.0.0.1]/", "event_types": ["*"]},
    ),
    Hostile(
        "webhook to multicast",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "http://224.0.0.1/", "event_types": ["*"]},
    ),
    Hostile(
        "webhook to an unresolvable name",
        "POST",
        "/api/v1/webhooks",
        422,
        caller="admin",
        json={"url": "https://hooks.invalid/x", "event_types": ["*"]},
    ),
    # Uploads.
    Hostile(
        "HTML uploaded as a photo",
        "POST",
        PHOTOS,
        415,
        caller="field",
        files={"file": ("gate.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")},
    ),
    Hostile(
        "traversal name on a non-image",
        "POST",
        PHOTOS,
        415,
        caller="field",
        files={"file": ("../../../../tmp/evil.sh", b"#!/bin/sh\nrm -rf /\n", "image/jpeg")},
    ),
    Hostile(
        "lossless WebP of 38 bytes declaring 16000×4000 pixels",
        "POST",
        PHOTOS,
        422,
        caller="field",
        files={"file": ("bomb.webp", GIANT_WEBP, "image/webp")},
    ),
    Hostile(
        "empty file",
        "POST",
        PHOTOS,
        422,
        caller="field",
        files={"file": ("gate.jpg", b"", "image/jpeg")},
    ),
    Hostile(
        "JSON sent to the upload", "POST", PHOTOS, 415, caller="field", json={"file": "aGVsbG8="}
    ),
    Hostile(
        "NUL in a caption",
        "POST",
        PHOTOS,
        422,
        caller="field",
        files={"file": ("gate.jpg", _jpeg(), "image/jpeg")},
        data={"caption": "gate\x00"},
    ),
    Hostile(
        "unknown form field",
        "POST",
        PHOTOS,
        422,
        caller="field",
        files={"file": ("gate.jpg", _jpeg(), "image/jpeg")},
        data={"path": "/etc/passwd"},
    ),
    # Resumable uploads (tus): lengths, metadata and tokens.
    Hostile(
        "tus length -1",
        "POST",
        UPLOADS,
        400,
        caller="field",
        headers=TUS | {"Upload-Length": "-1", "Upload-Metadata": MONUMENT_META},
    ),
    Hostile(
        "tus length 1e3",
        "POST",
        UPLOADS,
        400,
        caller="field",
        headers=TUS | {"Upload-Length": "1e3", "Upload-Metadata": MONUMENT_META},
    ),
    Hostile(
        "tus length of 30 digits",
        "POST",
        UPLOADS,
        400,
        caller="field",
        headers=TUS | {"Upload-Length": "9" * 30, "Upload-Metadata": MONUMENT_META},
    ),
    Hostile(
        "tus metadata not base64",
        "POST",
        UPLOADS,
        400,
        caller="field",
        headers=TUS | {"Upload-Length": "10", "Upload-Metadata": "monument_id !!!"},
    ),
    Hostile(
        "tus metadata with a lone surrogate",
        "POST",
        UPLOADS,
        400,
        caller="field",
        headers=TUS
        | {
            "Upload-Length": "10",
            "Upload-Metadata": MONUMENT_META + ",caption " + _b64(b"\xed\xa0\x80"),
        },
    ),
    Hostile(
        "tus caption with a NUL",
        "POST",
        UPLOADS,
        422,
        caller="field",
        headers=TUS
        | {"Upload-Length": "10", "Upload-Metadata": MONUMENT_META + ",caption " + _b64(b"a\x00b")},
    ),
    Hostile(
        "tus unknown metadata",
        "POST",
        UPLOADS,
        422,
        caller="field",
        headers=TUS
        | {
            "Upload-Length": "10",
            "Upload-Metadata": MONUMENT_META + ",path " + _b64(b"/etc/passwd"),
        },
    ),
    Hostile(
        "tus monument id holding SQL",
        "POST",
        UPLOADS,
        422,
        caller="field",
        headers=TUS
        | {
            "Upload-Length": "10",
            "Upload-Metadata": "monument_id " + _b64(b"1; DROP TABLE upload"),
        },
    ),
    Hostile(
        "tus taken_at past UTC's range",
        "POST",
        UPLOADS,
        422,
        caller="field",
        headers=TUS
        | {
            "Upload-Length": "10",
            "Upload-Metadata": MONUMENT_META + ",taken_at " + _b64(b"9999-12-31T23:59:59-23:59"),
        },
    ),
    Hostile(
        "tus protocol 0.2.0",
        "POST",
        UPLOADS,
        412,
        caller="field",
        headers={"Tus-Resumable": "0.2.0", "Upload-Length": "10", "Upload-Metadata": MONUMENT_META},
    ),
    Hostile(
        "tus token of 300 characters",
        "PATCH",
        UPLOADS + "/" + "x" * 300,
        422,
        caller="field",
        content=b"abc",
        headers=TUS | CHUNK,
    ),
    Hostile(
        "tus token with path traversal",
        "PATCH",
        UPLOADS + "/..%2F..%2Fetc",
        404,
        caller="field",
        content=b"abc",
        headers=TUS | CHUNK,
    ),
]


def _resolve_body(marker: Any, site_id: int) -> Any:
    """Bodies that need the seeded site's id."""
    if marker == "monument:alt_names":
        return monument_fields(site_id, alt_names=["معبد بل\x00"])
    if marker == "monument:alt_names_noncharacter":
        return monument_fields(site_id, alt_names=["Bel\U0010ffff"])
    if marker == "monument:precision_nan":
        return monument_fields(site_id, location_precision_m=float("nan"))
    if marker == "monument:Temple":
        return monument_fields(site_id, type="Temple")
    return marker


def _stored(database, media_root: Path, *folders: Path) -> dict[str, Any]:
    """Everything a request could leave behind: rows of every table, and files."""
    with database.session(write=False) as session:
        counts = {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }
    files = sorted(
        str(path)
        for folder in (media_root, *folders)
        for path in folder.rglob("*")
        if path.is_file()
    )
    return {"rows": counts, "files": files}


@pytest.fixture
def seeded(database) -> dict[str, int]:
    site_id = create_site(database)
    monument_id = create_monument(database, site_id)
    create_assessment(database, monument_id, status="verified")
    return {
        "site_id": site_id,
        "monument_id": monument_id,
        "assessment_id": create_assessment(database, monument_id, status="submitted"),
        "monument_b64": _b64(str(monument_id).encode()),
    }


def _send(client, auth, case: Hostile, seeded: dict[str, int]):
    body = _resolve_body(case.json, seeded["site_id"])
    headers = {
        name: value.replace("{monument_b64}", seeded["monument_b64"])
        for name, value in case.headers.items()
    }
    kwargs: dict[str, Any] = {"headers": auth(case.caller) | headers}
    if body is not None:
        if isinstance(body, dict | list) and "NaN" in json.dumps(body):
            # httpx refuses to write NaN; Python's json module writes the bare token.
            kwargs["content"] = json.dumps(body).encode()
            kwargs["headers"] = kwargs["headers"] | JSON_HEADERS
        else:
            kwargs["json"] = body
    for name in ("content", "params", "files", "data"):
        value = getattr(case, name)
        if value is not None:
            # A streamed body is made afresh for each backend's run.
            kwargs[name] = value() if callable(value) else value
    return client.request(case.method, case.path.format(**seeded), **kwargs)


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case.name)
def test_hostile_input_is_refused_and_leaves_nothing_behind(
    client, auth, database, media_root, settings, seeded, case
):
    uploads = settings.resumable_uploads_dir
    before = _stored(database, media_root, uploads)

    response = _send(client, auth, case, seeded)

    assert response.status_code == case.status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]
    assert _stored(database, media_root, uploads) == before


KEPT_INTACT = {
    "Arabic name": "تدمر",
    "right-to-left mark and Arabic with Latin": "\u200fمعبد بل (Temple of Bel)",
    "combining accents, not normalised": "Temple de Be\u0302l, Palmyre\u0301",
    "Syriac and emoji": "ܬܕܡܘܪ 🏛️",
    "SQL that closes a string": "Robert'); DROP TABLE site;--",
    "SQL that widens a filter": "' OR '1'='1' --",
    "SQL comment and semicolon": '"; DELETE FROM monument; /*',
    "LIKE wildcards": "100% _of_ it",
    "path traversal": "../../../../etc/passwd",
    "Windows path traversal": "..\\..\\windows\\system32\\config",
    "HTML": "<script>alert('Palmyra')</script>",
}


@pytest.mark.parametrize("text", KEPT_INTACT.values(), ids=KEPT_INTACT.keys())
def test_odd_but_legitimate_text_is_kept_byte_for_byte_in_every_text_field(
    client, auth, database, media_root, text
):
    site_id = create_site(database)
    before = _stored(database, media_root)

    site = client.post(SITES, json=site_fields(name=text, description=text), headers=auth("staff"))
    monument = client.post(
        "/api/v1/monuments",
        json=monument_fields(site_id, name=text, alt_names=[text], period=text, description=text),
        headers=auth("staff"),
    )

    assert site.status_code == 201, site.text
    assert monument.status_code == 201, monument.text
    with database.session(write=False) as session:
        stored_site = session.get(Site, site.json()["id"])
        stored_monument = session.get(Monument, monument.json()["id"])
    assert (stored_site.name, stored_site.description) == (text, text)
    assert stored_monument.name == stored_monument.period == stored_monument.description == text
    assert stored_monument.alt_names == [text]
    assert client.get(f"/api/v1/monuments/{stored_monument.id}").json()["name"] == text
    # Exactly the two new rows and their two audit events: nothing dropped, nothing more.
    after = _stored(database, media_root)
    changed = {t: n - before["rows"][t] for t, n in after["rows"].items() if n != before["rows"][t]}
    # The monument's one distinct name is also a search row.
    assert changed == {"site": 1, "monument": 1, "monument_name": 1, AuditEvent.__tablename__: 2}
    # The text finds itself, and only itself, as a search (wildcards are literal).
    found = client.get("/api/v1/monuments", params={"q": text.strip()}).json()["items"]
    assert [m["id"] for m in found] == [stored_monument.id]


HOSTILE_FILE_NAMES = {
    "../../../../etc/passwd.jpg": "passwd.jpg",
    "..\\..\\windows\\win.ini.jpg": "win.ini.jpg",
    "'; DROP TABLE photo; --.jpg": "'; DROP TABLE photo; --.jpg",
    "gate\x00.php.jpg": "gate_.php.jpg",
    "بوابة.jpg": "بوابة.jpg",
}


@pytest.mark.parametrize("file_name", HOSTILE_FILE_NAMES, ids=HOSTILE_FILE_NAMES.values())
def test_hostile_file_names_are_cleaned_and_files_stay_under_the_media_root(
    client, auth, database, media_root, file_name
):
    monument_id = create_monument(database)
    outside = sorted(media_root.parent.iterdir())

    # Built by hand: HTTP clients percent-encode control characters in file names.
    boundary = "hostile-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"'
            "\r\nContent-Type: image/jpeg\r\n\r\n"
        ).encode()
        + _jpeg()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/api/v1/monuments/{monument_id}/photos",
        content=body,
        headers=auth("field") | {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 201, response.text
    with database.session(write=False) as session:
        photo = session.get(Photo, response.json()["id"])
    assert photo.original_filename == HOSTILE_FILE_NAMES[file_name]
    # Files are named by their content hash, inside the media root, never by the client.
    assert sorted(media_root.parent.iterdir()) == outside
    for path in media_root.rglob("*"):
        assert file_name.split("/")[-1] not in path.name
