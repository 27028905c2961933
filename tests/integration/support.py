"""Helpers shared by the connected-systems tests: ID numbers, record builders, the batch endpoint.

Plain functions, no fixtures, so the pure tests (no database) can use them as well.
"""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

from cehours.rules.identifiers import id_check_digit

BATCH_URL = "/api/v1/records/batch"
RECORDS_URL = "/api/v1/records"
LIANDU, QINGTIAN = "331102", "331121"
# The exchange file's columns, as the README's "Exchange files" table documents them.
DOCUMENTED_COLUMNS = [
    "source_record_id",
    "id_number",
    "name",
    "year",
    "category",
    "hours",
    "activity_type",
    "title",
    "start_on",
    "end_on",
    "completed_on",
    "provider",
    "source",
    "source_system",
    "registered_at",
]

# Births from 2001 on: the shared `make_person` fixture draws 1962–1999, so these never collide with it.
_serial = itertools.count()


def new_id_number(county: str = LIANDU, *, ending_in_x: bool = False) -> str:
    """A valid, never-before-used resident ID number with the given area code."""
    while True:
        n = next(_serial)
        birth = date(2001, 1, 1) + timedelta(days=n % 1800)
        first17 = f"{county}{birth:%Y%m%d}{(n // 1800) % 1000:03d}"
        check = id_check_digit(first17)
        if not ending_in_x or check == "X":
            return first17 + check


def online(sid: str, id_number: str, name: str, minutes: int = 45, **extra) -> dict:
    record = {
        "source_record_id": sid,
        "id_number": id_number,
        "name": name,
        "category": "professional",
        "activity": "online_course",
        "title": "继续教育在线课程",
        "completed_on": "2025-05-01",
        "minutes": minutes,
    }
    record.update(extra)
    return record


def offline(sid: str, id_number: str, name: str, start_on: str, end_on: str, hours, **extra) -> dict:
    record = {
        "source_record_id": sid,
        "id_number": id_number,
        "name": name,
        "category": "professional",
        "activity": "offline_training",
        "title": "线下专业培训",
        "start_on": start_on,
        "end_on": end_on,
        "completed_on": end_on,
        "hours": hours,
    }
    record.update(extra)
    return record


def seminar(sid: str, id_number: str, name: str, level: str, **extra) -> dict:
    record = {
        "source_record_id": sid,
        "id_number": id_number,
        "name": name,
        "category": "professional",
        "activity": "advanced_seminar",
        "seminar_level": level,
        "title": "高级研修班",
        "completed_on": "2025-09-20",
    }
    record.update(extra)
    return record


def other(sid: str, id_number: str, name: str, hours, **extra) -> dict:
    record = {
        "source_record_id": sid,
        "id_number": id_number,
        "name": name,
        "category": "general_public",
        "activity": "other",
        "title": "公需科目学习",
        "completed_on": "2025-03-15",
        "hours": hours,
    }
    record.update(extra)
    return record


def system_auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post_batch(client, key: str | None, records, *, raw: str | None = None):
    """POST a batch as a connected system would; `raw` sends a body that is not built from `records`."""
    body = raw if raw is not None else json.dumps({"records": records}, ensure_ascii=False)
    headers = system_auth(key) if key else {}
    return client.post(BATCH_URL, data=body, content_type="application/json", **headers)
