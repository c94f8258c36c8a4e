"""`app.main`: a factory that builds nothing on import, and `app.main:app` for uvicorn."""

import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def test_importing_builds_nothing_and_the_app_is_made_from_the_environment_on_first_use(
    tmp_path,
):
    # One fresh interpreter for both (an import of the app takes seconds): what the folder
    # holds after the import, then the app that `app.main:app` makes.
    script = (
        "import app.main, os; print(sorted(os.listdir('.'))); application = app.main.app; "
        "print(application is app.main.app, application.state.settings.database_url)"
    )
    url = f"sqlite:///{tmp_path / 'data' / 'registry.db'}"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPOSITORY), "HERITAGE_DATABASE_URL": url}
    made = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    after_import, after_first_use = made.stdout.strip().splitlines()
    assert after_import == "[]"  # no ./data/ (the default SQLite URL would make it), no engine
    assert after_first_use.split() == ["True", url]
