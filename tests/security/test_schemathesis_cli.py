"""The Schemathesis CLI with `--checks all` (examples, coverage, fuzzing and stateful phases,
links included) against the running service on the demo data, with a staff key and without
one, as a partner's integration engineer ran it (schemathesis.toml: the statuses the
protocols prescribe, real cursors; tests/security/schemathesis_hooks.py: tus chunks).

Not every failure class is at zero yet: `ST202` (schema-valid request rejected) remains
where a rule spans fields or rows that JSON Schema cannot state (an unknown `site_id`, a
superseded assessment that is not verified, a 1×1 photo, a date after today or before
1800, 30 February), and two `ST201` (pydantic's lax coercion reads `sensitive: 0` as false
and `"lon": "38.2"` as a number, which imports from CSV rely on). Every other check (server
errors, response schemas, status codes, content types, headers, links, authentication) must
report nothing.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.demo.test_load_demo import load

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 5
# The only failure classes allowed: the server refusing what the schema cannot state (ST202)
# and pydantic's lax coercion (ST201). Their counts move with the data each run generates
# (32-34 ST202 with a staff key since the property layer, evidence items and names were
# merged, 4 without a key), so they are printed, not pinned; any other class fails.
ALLOWED = {"ST202", "ST201"}


def run_schemathesis(url: str, key: str | None) -> tuple[dict[str, int], str]:
    """Run the CLI; the failure counts it reports per check code, and its output."""
    tool = Path(sys.executable).parent / "schemathesis"
    command = [tool, "--config-file", ROOT / "schemathesis.toml", "run", f"{url}/openapi.json"]
    command += ["--checks", "all", "-n", str(EXAMPLES), "--seed", "1", "--no-shrink"]
    command += ["--request-timeout", "30", "--no-color"]
    if key:
        command += ["-H", f"Authorization: Bearer {key}"]
    finished = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env={"SCHEMATHESIS_HOOKS": "tests.security.schemathesis_hooks", "PATH": "/usr/bin:/bin"},
    )
    output = finished.stdout + finished.stderr
    counts = {code: int(n) for code, n in re.findall(r"❌ (ST\d+) [^:\n]*: (\d+)", output)}
    return counts, output


@pytest.mark.parametrize("role", ["staff", None], ids=["staff key", "no key"])
def test_schemathesis_cli_finds_nothing_beyond_what_json_schema_cannot_state(
    live_server, database, api_keys, role
):
    load(database)
    counts, output = run_schemathesis(live_server, api_keys[role] if role else None)
    tail = output[-6000:]
    print(f"schemathesis --checks all as {role or 'anonymous'}: {counts or 'no failures'}")
    assert "Test cases:" in output, tail
    beyond = {code: n for code, n in counts.items() if code not in ALLOWED}
    assert not beyond, f"failures of a class beyond {sorted(ALLOWED)}: {beyond}\n{tail}"
