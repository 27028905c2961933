"""Long imports on the exchange page show their progress as they go (issue: exchange files)."""

import csv
import io
import random

import pytest

from cehours.audit.models import AuditEvent
from cehours.demo import synthetic_id_number
from cehours.ledger.models import LedgerEntry
from cehours.web.exchange import STREAM_ROWS
from tests.conftest import PASSWORD

ROWS = STREAM_ROWS * 2 + 500


def _hours_file(rows: int) -> io.BytesIO:
    rng = random.Random(5)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["source_record_id", "id_number", "name", "category", "hours", "title", "completed_on"])
    seen = set()
    while len(seen) < rows:
        number = synthetic_id_number(rng, "331102")
        if number in seen:
            continue
        seen.add(number)
        writer.writerow(
            [f"prov-{len(seen)}", number, f"测试{len(seen)}", "professional", "2.5", "省平台课程", "2025-05-01"]
        )
    data = io.BytesIO(out.getvalue().encode("utf-8-sig"))
    data.name = "hours.csv"
    return data


@pytest.mark.slow
def test_long_hours_import_streams_progress_then_the_report(client, make_staff):
    hr = make_staff("hr_admin")
    client.login(username=hr.username, password=PASSWORD)

    response = client.post(
        "/exchange/import/",
        {"kind": "hours", "file": _hours_file(ROWS), "action": "import"},
        HTTP_X_REQUEST_ID="import-progress-0001",
    )

    assert response.streaming
    page = b"".join(response.streaming_content).decode()
    assert f"已处理 {STREAM_ROWS} / {ROWS} 行" in page
    assert f"已处理 {ROWS} / {ROWS} 行" in page
    assert page.index(f"已处理 {STREAM_ROWS} / {ROWS} 行") < page.index("导入结果")
    assert f"共 {ROWS} 行，有问题 0 行" in page
    assert page.rstrip().endswith("</html>")
    assert LedgerEntry.objects.filter(source="provincial_import").count() == ROWS
    imports = AuditEvent.objects.filter(action="exchange.hours_imported")
    assert imports.count() == 3
    assert {e.request_id for e in imports} == {"import-progress-0001"}
    assert {e.actor_id for e in imports} == {hr.pk}


def test_short_import_answers_in_one_page(client, make_staff):
    hr = make_staff("hr_admin")
    client.login(username=hr.username, password=PASSWORD)

    response = client.post("/exchange/import/", {"kind": "hours", "file": _hours_file(20), "action": "dry_run"})

    assert not response.streaming
    assert "试运行结果（未写入）" in response.content.decode()
    assert LedgerEntry.objects.count() == 0
