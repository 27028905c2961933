"""A long export as a job against the served process: `cehours serve` (exactly as README says)
starts its own worker, which writes the file while the page shows the progress (issue 13)."""

from __future__ import annotations

import csv
import http.client
import io
import re
import time

import pytest

from tests.integration.processes import SeparateDatabase

from .test_served import SESSION_SCRIPT, STAFF_PASSWORD, last_line, page

pytestmark = pytest.mark.slow


def test_served_overview_csv_past_the_inline_limit_is_written_by_the_servers_worker(tmp_path):
    database = SeparateDatabase(tmp_path / "data")
    try:
        assert database.run("demo", "--people", "30", "--years", "1", timeout=300).returncode == 0
        clerk = database.run("create-staff", "serve-clerk", "--role", "hr_admin", "--password", STAFF_PASSWORD)
        assert clerk.returncode == 0, clerk.stderr
        session = last_line(database.run("shell", "-c", SESSION_SCRIPT))
        with database.serve("--workers", "2", env={"CEHOURS_INLINE_EXPORT_ROWS": "5"}) as server:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            connection.request("GET", "/overview/?year=2025&format=csv", headers={"Cookie": f"sessionid={session}"})
            asked = connection.getresponse()
            assert asked.status == 302, (asked.status, server.log())
            location = asked.getheader("Location")
            assert re.fullmatch(r"/jobs/\d+/", location), location
            deadline = time.monotonic() + 60
            while True:
                answer = page(server.port, location, session)
                assert answer.status == 200, answer.describe()
                if "已完成" in str(answer.body) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert "已完成" in str(answer.body), (str(answer.body)[:800], server.log())
            download = page(server.port, f"{location}file/", session)
            assert download.status == 200 and download.content_type.startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(str(download.body).lstrip("\ufeff"))))
            assert len(rows) >= 30 and set(rows[0]) >= {"姓名", "身份证号码（脱敏）", "是否合格"}
            assert all("*" in row["身份证号码（脱敏）"] for row in rows)
            assert "Traceback" not in server.log()
    finally:
        database.drop()
