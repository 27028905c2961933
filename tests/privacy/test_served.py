"""The limit and the log mask on the served platform: `cehours serve --workers 2`, as it runs in production.

The miss count lives in the database, so it holds whichever gunicorn worker process answers; and
gunicorn's own access log (outside Django's LOGGING) carries no full ID number.
"""

from __future__ import annotations

import http.client
import json
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from ..integration.processes import SeparateDatabase
from .conftest import candidates

SETUP = textwrap.dedent(
    """
    import json, random
    from django.contrib.auth import get_user_model
    from cehours.access.services import grant_create, token_issue
    from cehours.demo import synthetic_credit_code, synthetic_id_number
    from cehours.people.models import County, Series, Unit
    from cehours.people.services import person_register

    rng = random.Random(429)
    liandu = County.objects.get(code="331102")
    series = Series.objects.create(code="health", name="卫生")
    unit = Unit.objects.create(
        credit_code=synthetic_credit_code(rng, "331102"), name="莲都测试医院", county=liandu, series=series
    )
    person = person_register(
        name="靶人员", id_number=synthetic_id_number(rng, "331102"), county=liandu, unit=unit, series=series
    )
    staff = get_user_model().objects.create_user("served-unit-staff", password="test-password-123")
    grant_create(user=staff, role="unit_staff", unit=unit)
    print(json.dumps({"token": token_issue(user=staff), "id_number": person.id_number,
                      "masked": person.id_number_masked}))
    """
)


def _get(port: int, path: str, token: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_the_limit_holds_across_worker_processes_and_the_access_log_is_masked(tmp_path):
    database = SeparateDatabase(tmp_path / "served")
    try:
        script = tmp_path / "setup.py"
        script.write_text(SETUP)
        made = database.run_script(script)
        token, number = made["token"], made["id_number"]
        guesses = candidates(made["masked"], exclude=number)[:31]

        with database.serve("--workers", "2") as server:
            assert _get(server.port, f"/api/v1/people/{number}/compliance", token)[0] == 200
            # Several at once, so that both workers answer some of them.
            with ThreadPoolExecutor(4) as pool:
                answers = list(
                    pool.map(lambda n: _get(server.port, f"/api/v1/people/{n}/compliance", token)[0], guesses[:30])
                )
            status, body = _get(server.port, f"/api/v1/people/{guesses[30]}/compliance", token)
            hit_status, _ = _get(server.port, f"/api/v1/people/{number}/compliance", token)
            log = server.log()
    finally:
        database.drop()

    assert answers == [404] * 30
    assert status == 429
    assert json.loads(body)["errors"][0]["code"] == "rate_limited"
    assert hit_status == 429
    assert f"/api/v1/people/{made['masked']}/compliance" in log  # gunicorn's access log, masked
    assert number not in log
    for guess in guesses:
        assert guess not in log
