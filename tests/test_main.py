"""`app.main`: a factory that builds nothing on import, and `app.main:app` for uvicorn."""

import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def test_importing_the_app_module_builds_no_engine_and_makes_no_folder(tmp_path):
    script = "import app.main, os; print(sorted(os.listdir('.')))"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPOSITORY)}
    imported = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "[]"  # the default SQLite URL would make ./data/


def test_app_is_made_from_the_environment_on_first_use(tmp_path):
    script = (
        "import app.main, os; application = app.main.app; "
        "print(application is app.main.app, application.state.settings.database_url)"
    )
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPOSITORY), "HERITAGE_DATABASE_URL": url}
    made = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.split() == ["True", url]
