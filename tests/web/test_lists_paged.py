"""Issue 12: no list stops silently. The review queue and a person's entries are paginated, say how
many there are in all, and a figure's total is that of all its entries, not of the page shown."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from django.test import Client

from cehours.ledger.models import Source
from cehours.ledger.services import NewEntry, entries_register_bulk

from ..declarations.conftest import cast, quick_accounts_and_private_media  # noqa: F401 - shared fixtures
from ..declarations.support import declare, today


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_persons_entries_are_paged_and_the_total_counts_them_all(city, make_person, make_staff):
    person = make_person(unit="hospital", name="葛多条")
    first = date(today().year - 1, 1, 1)
    entries_register_bulk(
        entries=[
            NewEntry(
                person_id=person.pk, category="professional", hours="0.5", title=f"微课{n:03d}",
                source=Source.PLATFORM_COURSE, completed_on=first + timedelta(days=n),
            )
            for n in range(130)
        ]
    )  # fmt: skip
    staff = _signed_in(make_staff("unit_staff", unit="hospital"))
    year = first.year

    page1 = staff.get(f"/people/{person.pk}/entries/", {"year": year, "figure": "total"}).content.decode()
    assert f"共 130 条，第 1 / 2 页，合计 {Decimal('65.0')} 学时。" in page1
    assert len(re.findall(r"微课\d{3}", page1)) == 100
    assert f'href="?year={year}&amp;figure=total&page=2">下一页</a>' in page1
    page2 = staff.get(f"/people/{person.pk}/entries/", {"year": year, "figure": "total", "page": 2}).content.decode()
    assert len(re.findall(r"微课\d{3}", page2)) == 30 and "合计（全部 130 条）" in page2
    assert "微课000" in page2  # newest first: the oldest is on the last page
    # The person page's figure opens to these entries: the same 65.0.
    assert ">65.0</a>" in staff.get(f"/people/{person.pk}/").content.decode()


def test_the_review_queue_is_paged_with_its_total(cast):  # noqa: F811
    for n in range(52):
        declare(cast["nurse"], title=f"培训{n:02d}")
    reviewer = _signed_in(cast["county_l1"])

    first = reviewer.get("/review/").content.decode()
    assert "共 52 件，第 1 / 2 页。" in first and len(re.findall(r"培训\d{2}", first)) == 50
    second = reviewer.get("/review/", {"status": "submitted", "page": 2}).content.decode()
    assert len(re.findall(r"培训\d{2}", second)) == 2 and 'page=1">上一页</a>' in second


def test_naming_who_registered_entries_costs_one_lookup_an_account_not_one_an_entry(
    city, make_person, make_staff
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = make_person(unit="hospital", name="许登记")
    clerk = make_staff("hr_admin", county="liandu")  # no display name: named by their office
    staff = _signed_in(make_staff("unit_staff", unit="hospital"))

    def register(n: int, offset: int) -> None:
        first = date(today().year - 1, 1, 1) + timedelta(days=offset)
        entries_register_bulk(
            by=clerk,
            entries=[
                NewEntry(
                    person_id=person.pk, category="professional", hours="0.5", title=f"登记{offset + k:03d}",
                    source=Source.PLATFORM_COURSE, completed_on=first + timedelta(days=k),
                )
                for k in range(n)
            ],
        )  # fmt: skip

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            page = staff.get(f"/people/{person.pk}/entries/").content.decode()
        assert "莲都区 · 人力社保部门管理员" in page
        return len(seen)

    register(2, 0)
    few = queries()
    register(40, 10)
    assert queries() == few
