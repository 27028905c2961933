"""Data quality per connected system (issue 13): what a system sent each day and how it ended —
registered, duplicate, held, refused and why — counted as the batches are answered, shown to the HR
bureau that manages the system and to the industry authority of its series, no one else."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from cehours.integration.models import IntakeTally

from .support import other, post_batch


def test_each_batch_is_counted_by_outcome_and_reason_and_shown_per_system(
    client, make_system, make_staff, make_person
):
    system, key = make_system("health-quality", industries=["health"], name="卫生继续教育平台")
    nurses = [make_person(unit="hospital") for _ in range(4)]  # the 卫生 series the system may register
    first = [
        other("q-1", nurses[0].id_number, nurses[0].name, "2"),
        other("q-2", nurses[1].id_number, nurses[1].name, "3"),
        other("q-3", "123", "号码错", "2"),
        other("q-4", nurses[2].id_number, nurses[2].name, "75", category="professional"),
    ]
    answer = post_batch(client, key, first).json()
    assert (answer["created"], answer["rejected"], answer["held"]) == (2, 1, 1)
    tomorrow = str(timezone.localdate() + timedelta(days=1))
    late = other("q-5", nurses[3].id_number, nurses[3].name, "2", completed_on=tomorrow)
    again = post_batch(client, key, [*first[:2], late])
    assert again.json()["duplicate"] == 2
    tallies = IntakeTally.objects.filter(system=system)
    counts = {(t.outcome, t.code, t.field): t.count for t in tallies}
    assert counts == {
        ("created", "", ""): 2,
        ("duplicate", "", ""): 2,
        ("rejected", "invalid_id_number", "id_number"): 1,
        ("rejected", "out_of_range", "completed_on"): 1,
        ("held", "above_record_limit", "hours"): 1,
    }

    hr = Client()
    hr.force_login(make_staff("hr_admin"))
    page = hr.get("/systems/quality/").content.decode()
    card = page.split('data-system="health-quality"', 1)[1].split("</section>", 1)[0]
    today = timezone.localdate()
    row = card.split(f'data-day="{today:%Y-%m-%d}"', 1)[1].split("</tr>", 1)[0]
    assert [int(n) for n in re.findall(r'class="num">(\d+)<', row)] == [2, 2, 1, 2]
    assert "身份证号码：身份证号码有误：1 条" in card and "完成日期：超出允许范围：1 条" in card
    assert "单条记录学时超过上限：1 条" in card  # held and not yet decided
    assert "最近一次收到记录：尚未收到" not in card and "卫生继续教育平台近14天每日收到记录数" in card

    health = Client()
    health.force_login(make_staff("industry_authority", series="health"))
    assert 'data-system="health-quality"' in health.get("/systems/quality/").content.decode()
    education = Client()
    education.force_login(make_staff("industry_authority", series="education"))
    assert 'data-system="health-quality"' not in education.get("/systems/quality/").content.decode()
    reviewer = Client()
    reviewer.force_login(make_staff("reviewer", level=2, county="liandu"))
    assert reviewer.get("/systems/quality/").status_code == 403
