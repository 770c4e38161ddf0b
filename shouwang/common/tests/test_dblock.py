"""The web's last line of defence: a lock error answers 503 in Chinese with Retry-After, never 500. (The
real lock, held by a real import, is in commands/tests/test_sqlite_busy.py.)"""

import json

from django.db import DatabaseError, OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from shouwang.common.dblock import DatabaseBusy, is_locked
from shouwang.common.middleware import DatabaseBusyMiddleware

middleware = DatabaseBusyMiddleware(lambda request: HttpResponse("ok"))


def test_a_locked_database_in_a_page_answers_503_in_chinese():
    response = middleware.process_exception(
        RequestFactory().post("/cases/1/transition/"), OperationalError("database is locked")
    )
    assert response is not None and response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/plain")
    assert "数据库正忙" in response.content.decode()


def test_a_locked_database_in_the_api_answers_503_json_in_chinese():
    response = middleware.process_exception(RequestFactory().post("/api/v1/cases/"), DatabaseBusy(waited=31))
    assert response is not None and response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "数据库正忙" in json.loads(response.content)["detail"]


def test_other_database_errors_are_not_taken_for_a_busy_database():
    request = RequestFactory().get("/")
    assert middleware.process_exception(request, OperationalError("no such table: x")) is None
    assert middleware.process_exception(request, DatabaseError("database is locked")) is None
    assert is_locked(OperationalError("database table is locked: registry_household"))
