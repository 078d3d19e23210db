"""Any number of instances may share one database: what one does, the others see at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.inprocess import bearer, random_email
from tests.support.over_http import TIMEOUT, admin_token, http, register, token_for
from tests.support.widgets import widget_body

pytestmark = pytest.mark.server

BLACKLISTED = "Token blacklisted. Please log in again."


def test_a_token_issued_by_one_instance_is_accepted_by_the_other(a_and_b):
    a, b = a_and_b
    token = token_for(a.url)
    response = http().get(b.url + "/api/v1/auth/user", headers=bearer(token), timeout=TIMEOUT)
    assert response.status_code == 200


def test_a_token_revoked_through_one_instance_is_refused_by_the_other_at_once(a_and_b):
    a, b = a_and_b
    token = token_for(a.url)
    assert http().get(b.url + "/api/v1/auth/user", headers=bearer(token), timeout=TIMEOUT).ok
    logout = http().post(a.url + "/api/v1/auth/logout", headers=bearer(token), timeout=TIMEOUT)
    assert logout.status_code == 200
    answers = [
        http().get(b.url + "/api/v1/auth/user", headers=bearer(token), timeout=TIMEOUT)
        for _ in range(8)  # fresh connections, so every worker of B is asked
    ]
    assert {(r.status_code, r.json()["message"]) for r in answers} == {(401, BLACKLISTED)}


def test_concurrent_duplicate_registrations_over_both_instances_give_exactly_one_201(a_and_b):
    a, b = a_and_b
    email = random_email()
    bases = [a.url, b.url] * 6
    with ThreadPoolExecutor(max_workers=len(bases)) as pool:
        statuses = sorted(pool.map(lambda base: register(base, email).status_code, bases))
    assert statuses == [201] + [409] * (len(bases) - 1)


def test_widgets_created_through_one_instance_are_listed_by_the_other(a_and_b, shared_database_url):
    a, b = a_and_b
    token = admin_token(shared_database_url, a.url)
    names = ["alpha", "beta", "gamma"]
    for name in names:
        created = http().post(
            a.url + "/api/v1/widgets",
            json=widget_body(name),
            headers=bearer(token),
            timeout=TIMEOUT,
        )
        assert created.status_code == 201, created.text
    listed = http().get(b.url + "/api/v1/widgets", headers=bearer(token), timeout=TIMEOUT)
    assert listed.status_code == 200
    assert [item["name"] for item in listed.json()["items"]] == names


def test_a_widget_deleted_through_one_instance_is_gone_from_the_other(a_and_b, shared_database_url):
    a, b = a_and_b
    token = admin_token(shared_database_url, b.url)
    http().post(
        b.url + "/api/v1/widgets",
        json=widget_body("doomed"),
        headers=bearer(token),
        timeout=TIMEOUT,
    )
    assert http().get(a.url + "/api/v1/widgets/doomed", headers=bearer(token), timeout=TIMEOUT).ok
    deleted = http().delete(
        b.url + "/api/v1/widgets/doomed", headers=bearer(token), timeout=TIMEOUT
    )
    assert deleted.status_code == 204
    gone = http().get(a.url + "/api/v1/widgets/doomed", headers=bearer(token), timeout=TIMEOUT)
    assert gone.status_code == 404


def test_two_clients_updating_one_read_through_both_instances_give_one_200_and_one_412(
    a_and_b, shared_database_url
):
    """The lost update across hosts: both GET the widget, both PUT with their If-Match at once."""
    a, b = a_and_b
    token = admin_token(shared_database_url, a.url)
    path = "/api/v1/widgets/shared"
    created = http().post(a.url + "/api/v1/widgets", json=widget_body("shared"), headers=bearer(token), timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    tags = [http().get(base + path, headers=bearer(token), timeout=TIMEOUT).headers["ETag"]
            for base in (a.url, b.url)]
    assert tags[0] == tags[1]
    start = threading.Barrier(2)

    def put(base_and_url):
        base, url = base_and_url
        start.wait()
        return http().put(
            base + path, json={"info_url": url, "deadline": "2031-01-31"},
            headers={**bearer(token), "If-Match": tags[0]}, timeout=TIMEOUT,
        ).status_code

    clients = [(a.url, "https://a.example.com/"), (b.url, "https://b.example.com/")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(put, clients))
    assert statuses == [200, 412]
