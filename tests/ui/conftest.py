"""Helpers for the web pages: signing a test client in, reading CSRF tokens from pages."""

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.core.actors import Caller
from app.core.db import Database
from app.keys import service as keys
from app.keys.models import Role
from tests.factories import TEST_ACTOR

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF_INPUT.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, secret: str) -> str:
    """Sign the client in through the sign-in form; returns the session's CSRF token."""
    token = csrf_token(client.get("/ui/sign-in").text)
    response = client.post(
        "/ui/sign-in",
        data={"csrf_token": token, "api_key": secret, "next": "/ui/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_token(client.get("/ui/sign-in").text)


@pytest.fixture
def signed_in(client: TestClient, api_keys: dict[str, str]) -> Callable[[str], str]:
    """Sign the client in as a role; returns the CSRF token to post with."""

    def as_role(role: str) -> str:
        return sign_in(client, api_keys[role])

    return as_role


def new_key(database: Database, role: Role, name: str) -> tuple[Caller, str]:
    """Another key (a second staff member); returns it as a caller, and its secret."""
    with database.session(write=True) as session:
        api_key, secret = keys.create_key(session=session, name=name, role=role, actor=TEST_ACTOR)
        return Caller(role=role, key_id=api_key.id, name=name), secret
