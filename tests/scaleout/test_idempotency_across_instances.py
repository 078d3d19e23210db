"""One Idempotency-Key sent at once to two instances on one PostgreSQL: one widget, one answer."""

import json
import uuid

import requests

from service.auth import accounts
from service.db.models import Widget
from tests.support.databases import models_bound_to
from tests.support.inprocess import CHEAP, PASSWORD
from tests.support.twins import assert_one_answer_or_in_progress, raw_request, sent_at_once
from tests.support.widgets import WIDGETS, widget_body

TWINS = 20


def test_twins_split_over_two_instances_make_one_widget(a_and_b, shared_database_url):
    a, b = a_and_b
    with models_bound_to(shared_database_url):
        accounts.register("keyed@example.com", PASSWORD, CHEAP, admin=True)
    login = requests.post(a.url + "/api/v1/auth/login",
                          json={"email": "keyed@example.com", "password": PASSWORD}, timeout=10)
    headers = {"Authorization": f"Bearer {login.json()['access_token']}",
               "Idempotency-Key": str(uuid.uuid4())}
    body = json.dumps(widget_body("shared")).encode()
    sends = [(server.port, raw_request(server.port, headers, body)) for server in (a, b)] * (TWINS // 2)
    answers = sent_at_once(sends)
    assert_one_answer_or_in_progress(answers)
    with models_bound_to(shared_database_url):
        assert [w.name for w in Widget.select()] == ["shared"]
    for server in (a, b):
        retry = requests.post(server.url + WIDGETS, json=widget_body("shared"), headers=headers, timeout=10)
        assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
