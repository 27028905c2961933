"""Every answer under /api/ is JSON in the documented error shape, wherever the failure happens.

In-process companions of the served tests: the failures are provoked directly (a database error
raised by the health check, by the key lookup, by the intake, or while Django renders its
handler500), so each path into the shape is covered on its own. Pages outside /api/ keep HTML.
"""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.test import RequestFactory

from cehours.api import middleware
from tests.integration.support import BATCH_URL

UNAVAILABLE = "数据库暂时不可用，请稍后重试"
SYSTEM_KEY = {"HTTP_AUTHORIZATION": "Bearer cehsys_" + "k" * 43}


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content.decode()[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert list(body) == ["errors"], body
    [error] = body["errors"]
    assert set(error) == {"field", "code", "message"}, error
    assert "Traceback" not in error["message"]
    return error


class FailingConnection:
    def __init__(self, exc: Exception):
        self.exc = exc

    def cursor(self):
        raise self.exc


@pytest.fixture
def api_client(client):
    client.raise_request_exception = False  # answer as the server would, not re-raise in the test
    return client


@pytest.mark.parametrize(
    "exc",
    [
        OperationalError("connection refused"),
        InterfaceError("connection already closed"),
        DatabaseError("file is not a database"),
    ],
    ids=["operational", "interface", "not_a_database"],
)
def test_health_answers_503_unavailable_when_the_database_fails(db, api_client, monkeypatch, exc):
    monkeypatch.setattr("cehours.api.v1.connection", FailingConnection(exc))
    response = api_client.get("/api/v1/health")
    assert error_of(response, 503) == {"field": "", "code": "unavailable", "message": UNAVAILABLE}
    assert response["Retry-After"]


def test_key_lookup_failing_answers_503_not_401(db, api_client, monkeypatch):
    def unreachable(key):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("cehours.integration.keys.system_for_key", unreachable)
    response = api_client.post(BATCH_URL, data={"records": [{}]}, content_type="application/json", **SYSTEM_KEY)
    assert error_of(response, 503)["code"] == "unavailable"


def test_unexpected_error_in_an_endpoint_answers_500_internal_in_chinese(db, api_client, monkeypatch, caplog):
    from cehours.integration.models import ConnectedSystem

    monkeypatch.setattr("cehours.integration.keys.system_for_key", lambda key: ConnectedSystem(code="x", name="x"))

    def broken(**kwargs):
        raise RuntimeError("a bug with a secret in its message")

    monkeypatch.setattr("cehours.api.records.records_intake", broken)
    response = api_client.post(BATCH_URL, data={"records": [{"x": 1}]}, content_type="application/json", **SYSTEM_KEY)
    error = error_of(response, 500)
    assert error["code"] == "internal"
    assert "服务器内部错误" in error["message"]
    assert response["X-Request-ID"] in error["message"]
    assert "secret" not in response.content.decode()
    assert any(r.exc_info and "secret" in str(r.exc_info[1]) for r in caplog.records), "the operator's log has it"


def test_integrity_error_is_a_fault_not_an_outage(db, api_client, monkeypatch):
    monkeypatch.setattr("cehours.api.v1.connection", FailingConnection(IntegrityError("duplicate key")))
    assert error_of(api_client.get("/api/v1/health"), 500)["code"] == "internal"


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_unknown_api_route_answers_json_404(db, api_client, settings, debug):
    settings.DEBUG = debug
    assert error_of(api_client.get("/api/v1/nope"), 404)["code"] == "not_found"
    assert error_of(api_client.post("/api/v2/records/batch", data={}), 404)["code"] == "not_found"


def test_wrong_method_answers_json_405_keeping_allow(db, api_client):
    response = api_client.get(BATCH_URL)
    assert error_of(response, 405)["code"] == "invalid"
    assert "POST" in response["Allow"]


def test_pages_outside_the_api_keep_their_html_404(db, api_client):
    response = api_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [(OperationalError("server closed the connection"), 503, "unavailable"), (RuntimeError("bug"), 500, "internal")],
)
def test_handler500_under_api_tells_an_outage_from_a_fault(exc, status, code):
    # Django calls handler500 while the exception is being handled (e.g. raised by a middleware).
    request = RequestFactory().get("/api/v1/health")
    try:
        raise exc
    except Exception:
        response = middleware.server_error(request)
    assert error_of(response, status)["code"] == code


def test_handler500_outside_the_api_renders_the_page():
    request = RequestFactory().get("/")
    try:
        raise RuntimeError("bug")
    except RuntimeError:
        response = middleware.server_error(request)
    assert response.status_code == 500
    assert "系统暂时出错" in response.content.decode()


def test_bad_host_header_under_the_api_answers_json_400(db, api_client):
    # DisallowedHost is raised in Django's CommonMiddleware, before any view: the middleware shapes it.
    response = api_client.get("/api/v1/health", HTTP_HOST="not-allowed.example")
    assert error_of(response, 400)["code"] == "invalid"
