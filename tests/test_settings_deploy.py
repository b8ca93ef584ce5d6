"""The production profile: passes Django's deployment checks and refuses to start unconfigured.

Each case runs `manage.py` in a fresh process, since settings are read once at start-up.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # Start from a clean slate: nothing of the developer's environment may make it pass.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "RUPN", "SECRET"))}
    for name in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "ALLOWED_HOSTS", "DEBUG"):
        base.pop(name, None)
    base["RUPN_VAR_DIR"] = str(tmp_path / "var")
    base["STATIC_ROOT"] = str(tmp_path / "static")
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "RUPN_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "rupn.example.fr",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }


def test_production_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=_production_env(tmp_path),
        tmp_path=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS:" not in output and "?: (security." not in output, output


def test_production_with_redis_and_smtp_passes_too(tmp_path: Path) -> None:
    env = {
        **_production_env(tmp_path),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp+tls://rupn:mot%2Fde%2Fpasse@smtp.example.fr:587",
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY est obligatoire en production" in result.stderr


def test_development_profile_fails_the_deployment_checks(tmp_path: Path) -> None:
    """The checks do look at something: the development defaults (DEBUG, weak key) fail them."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG is on
