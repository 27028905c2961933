"""The benchmarks run in CI at a small size, so that they cannot rot (README "Benchmarks").

Each starts its own fresh database (a temporary SQLite file, or a new PostgreSQL database beside
DATABASE_URL) and its own `cehours serve`; the figures at this size mean nothing, but every path
the full-size run takes — the server, the intake, the raw bulk baseline, the reads — must work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
# The benchmark makes its own database; it must not inherit the test run's private settings.
_PRIVATE = {"SECRET_KEY", "CEHOURS_FIELD_KEY", "CEHOURS_FIELD_KEY_FILE", "TEST_DATABASE_NAME"}


def _bench(script: str, *args: str, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _PRIVATE}
    env["CEHOURS_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        env=env,
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_intake_benchmark_runs_and_registers_every_record(tmp_path):
    figures = _bench(
        "intake.py", "--people", "200", "--batches", "4", "--batch-size", "50", "--workers", "1", "--clients", "2",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert figures["failed_batches"] == 0
    assert figures["intake_per_s"] > 0 and figures["baseline_per_s"] > 0


@pytest.mark.slow
def test_the_read_benchmark_runs_without_errors(tmp_path):
    figures = _bench(
        "api_reads.py", "--people", "60", "--workers", "1", "--clients", "2", "--rounds", "1", "--seconds", "0.5",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert figures["results"], figures
    assert all(row["errors"] == 0 for row in figures["results"].values()), figures


@pytest.mark.slow
def test_the_page_benchmark_opens_every_page_of_every_demo_account_and_takes_the_readme_screenshots(tmp_path):
    shots = tmp_path / "shots"
    with_browser = Path("/usr/bin/chromium").exists()
    args = ["--people", "60", "--repeat", "1", *(["--screenshots", str(shots)] if with_browser else [])]
    figures = _bench("pages.py", *args, tmp_path=tmp_path)
    assert figures["failed"] == [] and figures["slow"] == []
    accounts = {row["account"] for row in figures["pages"]}
    assert {"professional", "reviewer1", "unit_staff", "provider", "hr_admin"} <= accounts
    assert any(row["url"].startswith("/people/") and row["url"].endswith("/entries/") for row in figures["pages"])
    if with_browser:
        assert sorted(p.name for p in shots.iterdir()) == [
            "me-phone.png",
            "reviewer-landing-phone.png",
            "unit-staff-landing-phone.png",
        ]


@pytest.mark.slow
def test_the_city_benchmark_builds_a_small_city_and_measures_every_path(tmp_path):
    figures = _bench(
        "city.py", "--people", "300", "--years", "2", "--entries", "5", "--runs", "1", "--verdicts", "1200",
        "--certificates", "3", "--http-seconds", "0.5", tmp_path=tmp_path,
    )  # fmt: skip
    assert figures["build"]["people"] == 300
    assert figures["build"]["entries"] == 300 * 2 * 5
    assert figures["rebuild_check"]["exit"] == 0  # the totals the bench built agree with the entries
    for name in ("export_county_csv", "export_county_xlsx", "export_city_csv"):
        assert figures[name]["seconds"] is not None and figures[name]["rows"] > 0, figures[name]
    assert figures["export_city_csv"]["rows"] >= figures["export_county_csv"]["rows"]
    assert figures["export_county_xlsx"]["rows"] == figures["export_county_csv"]["rows"]
    timed = ["compliance_p95_s", "overview_page1_s", "overview_csv_s", "eligibility_bulk_s", "eligibility_api_s"]
    assert all(figures[name][0] > 0 for name in timed), figures
    if Path("/usr/share/fonts/opentype/noto").is_dir():  # .ci/run installs fonts-noto-cjk
        assert figures["certificates_s"] > 0, figures


@pytest.mark.slow
def test_the_heartbeat_benchmark_runs_and_its_beats_are_answered(tmp_path):
    figures = _bench(
        "heartbeats.py", "--people", "30", "--learners", "6", "--workers", "1", "--clients", "2", "--rounds", "1",
        "--seconds", "1.5", tmp_path=tmp_path,
    )  # fmt: skip
    beats = figures["results"]["heartbeat"]
    assert figures["learners"] == 6 and beats["requests"] > 0 and beats["errors"] == 0, figures
    assert beats["credited"] > 0, figures  # each of the 6 players beats often enough to be credited
