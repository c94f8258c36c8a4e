"""Search finds the Palmyra demo's monuments by any of their names, in any language and
spelling, on both databases: exact names first, with the name that matched."""

import pytest

from app.names.text import search_key

URL = "/api/v1/monuments"


@pytest.fixture
def demo(palmyra) -> dict[str, int]:
    return {key: row_id for (kind, key), row_id in palmyra.ids.items() if kind == "monuments"}


def search(client, q: str, **params) -> list[dict]:
    response = client.get(URL, params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.mark.parametrize(
    ("query", "expected", "matched"),
    [
        # Alef with madda in the stored name, bare alef in the query.
        ("الاغورا", "agora", "الآغورا"),
        # An apostrophe (ayn) in the stored transliteration, none in the query.
        ("Qalat", "palmyra_castle", "Qal'at Ibn Ma'n"),
        # A circumflex in the stored French name, none in the query.
        ("Temple de Bel", "temple_of_bel", "Temple de Bêl"),
        ("TEMPLE OF BEL", "temple_of_bel", "Temple of Bel"),
        ("bel", "temple_of_bel", "Temple of Bel"),
        ("معبد بل", "temple_of_bel", "معبد بل"),
        ("Tetrapyle", "tetrapylon", "Tétrapyle"),
    ],
)
def test_a_search_finds_the_monument_first_with_the_name_that_matched(
    client, demo, query, expected, matched
):
    found = search(client, query)
    assert found, f"{query!r} found nothing"
    assert found[0]["id"] == demo[expected]
    assert found[0]["matched_name"]["value"] == matched


def test_a_whole_word_ranks_above_a_word_that_contains_it(client, demo):
    ids = [item["id"] for item in search(client, "bel")]
    # "Tower of Elahbel" holds "bel" inside a word: found, after the Temple of Bel.
    assert ids.index(demo["temple_of_bel"]) < ids.index(demo["tower_of_elahbel"])


def test_the_matched_name_carries_its_language(client, demo):
    [agora] = [item for item in search(client, "الاغورا") if item["id"] == demo["agora"]]
    assert agora["matched_name"] == {"value": "الآغورا", "lang": "ar", "kind": "alternative"}


def test_ranked_pages_follow_one_another_without_gaps_or_repeats(client, demo):
    everything = [item["id"] for item in search(client, "a", limit=200)]
    assert len(everything) > 3
    seen, cursor = [], None
    while True:
        params = {"q": "a", "limit": 2} | ({"cursor": cursor} if cursor else {})
        body = client.get(URL, params=params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything


def test_a_search_of_only_punctuation_finds_nothing(client, demo):
    assert search(client, "''' --") == []
    assert search(client, "%") == []


def test_a_cursor_from_another_listing_is_refused(client, demo):
    plain = client.get(URL, params={"limit": 1}).json()["next_cursor"]
    response = client.get(URL, params={"q": "bel", "cursor": plain})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("الآغورا", "الاغورا"),
        ("أسد", "اسد"),
        ("إمارة", "اماره"),
        ("مصطفى", "مصطفا"),
        ("مَعْبَد", "معبد"),
        ("بـــل", "بل"),
        ("Qal'at Ibn Ma'n", "qalat ibn man"),
        ("Temple de Bêl", "temple de bel"),
        ("Lion of Al-lāt", "lion of allat"),
        ("Maʿbad  Bal", "mabad bal"),
    ],
)
def test_search_keys_fold_arabic_forms_diacritics_and_punctuation(written, key):
    assert search_key(written) == key


def test_the_web_page_search_shows_the_name_that_matched_in_its_language(client, demo):
    page = client.get("/ui/monuments", params={"q": "الاغورا"})
    assert page.status_code == 200
    assert f'data-monument-id="{demo["agora"]}"' in page.text
    assert 'Found by <bdi dir="auto" class="alt-name" lang="ar">الآغورا</bdi>' in page.text
    bel = client.get(f"/ui/monuments/{demo['temple_of_bel']}").text
    assert '<bdi dir="auto" class="alt-name" lang="fr">Temple de Bêl</bdi>' in bel
