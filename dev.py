#!/usr/bin/env python3
"""Two commands for a fresh machine with Python 3.11 and pip.

    python3 dev.py serve   set up .venv, create the SQLite database, load demo data, serve on :8000
    python3 dev.py test    set up .venv with the test tools and run the whole test suite

Anything after the command goes to `cehours serve` or to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("CEHOURS_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*args: str | Path, env: dict | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, env=env)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before the venv exists, on any python3
        sys.exit("需要 Python 3.11 或更高版本")
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    stamp = VENV / f".installed-{extras or 'base'}"
    pyproject = ROOT / "pyproject.toml"
    if not stamp.exists() or stamp.stat().st_mtime < pyproject.stat().st_mtime:
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        target = f".[{extras}]" if extras else "."
        run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", target)
        stamp.touch()


def field_key_env() -> dict:
    """The environment with a field key kept outside the data directory (generated on first use)."""
    env = dict(os.environ)
    if env.get("CEHOURS_FIELD_KEY") or env.get("CEHOURS_FIELD_KEY_FILE"):
        return env
    config = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    key_file = config / "cehours" / "field_key"
    if not key_file.exists():
        # rotate-field-key writes a new random key there and moves whatever the demo database holds
        # (encrypted under the fallback key) to it, so an existing var/ keeps working.
        run(BIN / "cehours", "migrate", "--noinput", env=env)
        run(BIN / "cehours", "rotate-field-key", "--new-key-file", key_file, env=env)
    print(f"字段密钥：CEHOURS_FIELD_KEY_FILE={key_file}（直接运行 .venv/bin/cehours 时也请设置它）", flush=True)
    env["CEHOURS_FIELD_KEY_FILE"] = str(key_file)
    return env


def serve(args: list[str]) -> None:
    ensure_venv("")
    env = field_key_env()
    run(BIN / "cehours", "migrate", "--noinput", env=env)
    run(BIN / "cehours", "demo", env=env)
    os.execve(BIN / "cehours", [str(BIN / "cehours"), "serve", *args], env)


def test(args: list[str]) -> None:
    ensure_venv("test")
    env = dict(os.environ)
    # Tests keep their files (secret key, SQLite test database) apart from the served demo's.
    env.setdefault("CEHOURS_DATA_DIR", str(ROOT / "var" / "test"))
    run(BIN / "python", "-m", "pytest", *args, env=env)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test"}:
        sys.exit(__doc__)
    {"serve": serve, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
