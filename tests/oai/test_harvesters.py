"""What harvesters expect of a repository's HTTP: Sickle with its default settings harvests
a large registry with a partner key, an anonymous harvester past the limit gets `503` with
`Retry-After`, and every record names a page a person can open and a W3CDTF date."""

import re
from collections.abc import Iterator

import pytest
import requests
from sickle import Sickle

from app.main import create_app
from tests.factories import create_assessment, create_monument, create_site
from tests.servers import served

W3CDTF = re.compile(r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2}))?)?)?")


@pytest.fixture
def limited_url(settings, database) -> Iterator[str]:
    """The app with a small anonymous limit (10 a minute) and pages of 20 records (a 300
    record harvest takes 15 requests), served by uvicorn."""
    app = create_app(
        settings.model_copy(update={"rate_limit_anonymous": "10/minute", "oai_page_size": 20})
    )
    with served(app) as url:
        yield url
    app.state.database.engine.dispose()


@pytest.mark.live_server
def test_a_partner_harvests_300_records_with_sickle_defaults(limited_url, database, auth):
    site_id = create_site(database)
    monuments = [create_monument(database, site_id, name=f"Tomb {n}") for n in range(300)]
    create_assessment(database, monuments[0], status="verified", observed_on="2015-09-02")

    sickle = Sickle(f"{limited_url}/oai", headers=auth("partner"))
    records = list(sickle.ListRecords(metadataPrefix="oai_dc"))

    assert len(records) == 300
    assert len({r.header.identifier for r in records}) == 300
    first = records[0].metadata
    assert first["identifier"][0] == f"{limited_url}/ui/monuments/{monuments[0]}"
    assert first["date"] == ["2015-09-02"]
    for record in records:
        assert all(W3CDTF.fullmatch(day) for day in record.metadata.get("date", []))
    page = requests.get(first["identifier"][0], timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]

    # Without a key the same harvest stops at the limit, told when to come back.
    anonymous = Sickle(f"{limited_url}/oai")
    with pytest.raises(requests.HTTPError) as stopped:
        list(anonymous.ListRecords(metadataPrefix="oai_dc"))
    assert stopped.value.response.status_code == 503
    assert int(stopped.value.response.headers["Retry-After"]) >= 1


@pytest.mark.live_server
def test_a_made_up_key_does_not_lift_the_anonymous_limit(limited_url, database):
    site_id = create_site(database)
    for n in range(300):
        create_monument(database, site_id, name=f"Tomb {n}")

    guesser = Sickle(f"{limited_url}/oai", headers={"Authorization": "Bearer not-a-key"})
    with pytest.raises(requests.HTTPError) as stopped:
        list(guesser.ListRecords(metadataPrefix="oai_dc"))

    assert stopped.value.response.status_code == 503
