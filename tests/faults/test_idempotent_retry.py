"""A create that committed but whose answer was lost (the database connection cut right after
COMMIT: the service answers 503) is answered 201 on retry with its key, not done again."""

import time

import requests

from service.db.models import Widget
from tests.support.databases import models_bound_to
from tests.support.widgets import WIDGETS, widget_body


def test_a_create_committed_then_answered_503_is_replayed_on_retry(
    service, tokens, proxy, faults_database_url
):
    headers = {"Authorization": f"Bearer {tokens['admin']}", "Idempotency-Key": "lost-answer"}
    proxy.cut_after(b"INSERT INTO \"idempotency_keys\"", then=1)
    lost = requests.post(service.url + WIDGETS, json=widget_body("lost"), headers=headers, timeout=15)
    assert lost.status_code == 503
    assert committed_widgets(faults_database_url) == ["lost"]  # committed all the same
    proxy.restore()
    retry = requests.post(service.url + WIDGETS, json=widget_body("lost"), headers=headers, timeout=15)
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == {"status": "success", "message": "New widget added: lost."}
    assert committed_widgets(faults_database_url) == ["lost"]


def test_without_a_key_the_same_retry_is_told_its_own_widget_exists(
    service, tokens, proxy, faults_database_url
):
    """What the key cures: the committed create's retry answers 409 for the client's own widget."""
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    proxy.cut_after(b"INSERT INTO \"widgets\"")  # one statement: it commits by itself
    lost = requests.post(service.url + WIDGETS, json=widget_body("lost"), headers=headers, timeout=15)
    proxy.restore()
    retry = requests.post(service.url + WIDGETS, json=widget_body("lost"), headers=headers, timeout=15)
    with models_bound_to(faults_database_url):
        committed = Widget.select().count()
    assert (lost.status_code, retry.status_code, committed) == (503, 409, 1)


def committed_widgets(database_url: str, seconds: float = 10) -> list:
    """The widgets' names once there are any: the database commits what it was sent after the
    service has already heard the connection drop."""
    deadline = time.monotonic() + seconds
    with models_bound_to(database_url):
        while not (names := [w.name for w in Widget.select()]) and time.monotonic() < deadline:
            time.sleep(0.05)
    return names
