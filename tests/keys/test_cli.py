"""The `heritage-registry keys` commands."""

from app.keys import service as keys
from app.keys.models import ApiKey
from tests.cli import Ran, command_env, run_command
from tests.factories import count_rows


def run_cli(database_url: str, *args: str) -> Ran:
    return run_command(command_env(database_url), *args)


def test_create_prints_the_key_once_and_stores_only_its_hash(client, database, database_url):
    result = run_cli(database_url, "keys", "create", "--role", "partner", "--name", "UNESCO WHC")

    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("hr_") and len(secret) > 40
    with database.session(write=False) as session:
        stored = session.get(ApiKey, keys.find_active_key(session=session, secret=secret).id)
        assert stored.role == "partner"
        assert stored.key_hash == keys.hash_key(secret)
        assert secret not in (stored.key_hash, stored.prefix, stored.name)
    response = client.get("/api/v1/sites", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_list_shows_keys_without_secrets_and_revoke_stops_them(client, database, database_url):
    secret = run_cli(database_url, "keys", "create", "--role", "field", "--name", "Team A")
    secret = secret.stdout.strip().splitlines()[-1]
    listing = run_cli(database_url, "keys", "list")
    assert "Team A" in listing.stdout and "field" in listing.stdout
    assert secret not in listing.stdout

    with database.session(write=False) as session:
        key_id = keys.find_active_key(session=session, secret=secret).id
    assert run_cli(database_url, "keys", "revoke", str(key_id)).returncode == 0
    again = run_cli(database_url, "keys", "revoke", str(key_id))
    assert again.returncode == 1 and "already revoked" in again.stdout
    assert (
        client.get("/api/v1/sites", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )


def test_unknown_role_is_refused_and_nothing_stored(database, database_url):
    result = run_cli(database_url, "keys", "create", "--role", "superuser", "--name", "x")
    assert result.returncode != 0
    assert count_rows(database, ApiKey) == 0
