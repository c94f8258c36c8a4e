"""The `heritage-registry` command line, as tests run it.

`run_command` runs a command in this process (Click's runner, the same `cli` object the
script calls): the real command against the real database, without the second or two a new
Python spends importing the app, which made the command-line tests the slowest of the quick
loop. `run_process` starts the installed script, for what only another process shows: a
write or a revocation the running app did not make itself, signals, a clean environment.
"""

import os
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli, console
from app.core.config import get_settings

# As a 200-column terminal shows the output (the tests look for whole lines); the script
# reads it from COLUMNS, which this process's console read once, at import.
console.width = 200
SCRIPT = shutil.which("heritage-registry") or str(Path(sys.executable).parent / "heritage-registry")


@dataclass(frozen=True)
class Ran:
    """What a command printed and how it ended, as `subprocess.CompletedProcess` has it."""

    returncode: int
    stdout: str
    stderr: str


def command_env(database_url: str, media_root: Path | str | None = None) -> dict[str, str]:
    """The environment a command needs for the test database (and media folder)."""
    env = {"HERITAGE_DATABASE_URL": database_url, "COLUMNS": "200"}
    if media_root is not None:
        env["HERITAGE_MEDIA_ROOT"] = str(media_root)
    return env


def run_command(env: dict[str, str], *args: str) -> Ran:
    """Run `heritage-registry ARGS` in this process with `env` on top of this one's."""
    # The settings are read once per process; each command reads them from its own `env`.
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, list(args), env=env)
    finally:
        get_settings.cache_clear()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # What the script would have printed as it died.
        stderr += "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, result.stdout, stderr)


def run_process(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run the installed `heritage-registry ARGS` as another process."""
    return subprocess.run(
        [SCRIPT, *args],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
