"""Field teams are named to staff only (issue 18, #13): everyone else, the public and
partners first, sees who did what as a role and a key number, on every route that shows it."""

import re

from app.core.actors import Caller
from app.keys import service as keys
from app.keys.models import Role
from tests.factories import create_assessment, create_monument, create_photo, create_restoration

TEAM = "Raqqa field team (Khaled A.)"
PSEUDONYM = re.compile(r"(field|staff)( \(key \d+\))?")


def test_team_names_reach_staff_and_no_one_else(client, app, auth, database):
    with database.session(write=True) as session:
        api_key, _ = keys.create_key(
            session=session, name=TEAM, role=Role.field, actor=Caller(role=Role.admin)
        )
    team = Caller(role=Role.field, key_id=api_key.id, name=TEAM)
    monument_id = create_monument(database)
    assessment_id = create_assessment(database, monument_id, status="verified", author=team)
    photo_id = create_photo(database, app.state.storage, monument_id, uploader=team)
    restoration_id = create_restoration(database, monument_id)

    reads = {
        "assessment": f"/api/v1/assessments/{assessment_id}",
        "history": f"/api/v1/monuments/{monument_id}/assessments",
        "photo": f"/api/v1/photos/{photo_id}",
        "photos": f"/api/v1/monuments/{monument_id}/photos",
        "restoration": f"/api/v1/restoration-assessments/{restoration_id}",
        "manifest": f"/iiif/monuments/{monument_id}/manifest",
        "page": f"/ui/monuments/{monument_id}",
        "photo page": f"/ui/photos/{photo_id}",
    }
    for role in (None, "partner", "field"):
        for name, path in reads.items():
            response = client.get(path, headers=auth(role))
            assert response.status_code == 200, (role, name, response.text)
            assert TEAM not in response.text, (role, name)
            for staff_name in ("test reviewer", "test fixture"):  # nor reviewers, nor staff
                assert staff_name not in response.text, (role, name)
    shown = client.get(reads["assessment"]).json()
    assert PSEUDONYM.fullmatch(shown["author"]) and PSEUDONYM.fullmatch(shown["reviewer"])
    assert client.get(reads["photo"]).json()["uploaded_by"] == f"field (key {api_key.id})"
    # Staff see the names, on the API and the pages alike.
    for path in (reads["assessment"], reads["photo"]):
        assert TEAM in client.get(path, headers=auth("staff")).text
