"""RFC 9110 §13.2.2's order of evaluation, as a matrix: each precondition header, each kind of
value (the current tag, a stale one, its weak form, `*`), each method, widget present or absent.

The expected status is worked out here from the RFC's rules, apart from the service's code:
- §13.2.1: when the request without its preconditions would not succeed (a GET or DELETE of
  a widget that does not exist: 404), they are ignored;
- step 1: If-Match false (strong comparison; nothing matches what does not exist) -> 412;
- step 3: If-None-Match true (weak comparison; `*` matches whatever exists) -> 304 for GET
  and HEAD, 412 for the others;
- else the method's own success.
"""

import itertools

import pytest

from tests.support.inprocess import assert_envelope
from tests.support.widgets import WIDGETS, widget_body

CHANGES = {"info_url": "https://www.example.com/changed", "deadline": "2031-06-30"}
PUT_BODY = {"info_url": "https://www.example.com/put", "deadline": "2032-01-01"}
SAFE = ("GET", "HEAD")
METHODS = ("GET", "HEAD", "PUT", "DELETE")
HEADERS = ("If-Match", "If-None-Match")
VALUES = ("current", "stale", "weak-current", "*", "other-and-current")
SUCCESS = {"GET": 200, "HEAD": 200, "PUT": 200, "DELETE": 204}
CREATED = 201  # a PUT of a widget that does not exist


def expected(method: str, present: bool, conditions: dict) -> int:
    """The status RFC 9110 prescribes; `conditions` maps header -> kind of value."""
    if not present and method != "PUT":
        return 404
    def matches(kind: str, strong: bool) -> bool:
        if not present:
            return False
        return kind in ("current", "*", "other-and-current") or (kind == "weak-current" and not strong)
    if "If-Match" in conditions and not matches(conditions["If-Match"], strong=True):
        return 412
    if "If-None-Match" in conditions and matches(conditions["If-None-Match"], strong=False):
        return 304 if method in SAFE else 412
    return SUCCESS[method] if present else CREATED


def spelled(kind: str, current: str, stale: str) -> str:
    return {
        "current": current, "stale": stale, "weak-current": "W/" + current, "*": "*",
        "other-and-current": f'{stale}, {current}',
    }[kind]


@pytest.fixture
def tags(client, admin) -> tuple:
    """The widget `matrix` with a stale tag (its tag before an update) and its current one."""
    path = f"{WIDGETS}/matrix"
    stale = client.simulate_post(WIDGETS, json=widget_body("matrix"), headers=admin).headers["ETag"]
    current = client.simulate_put(path, json=CHANGES, headers=admin).headers["ETag"]
    assert stale != current
    return stale, current


def state(client, admin, path: str):
    response = client.simulate_get(path, headers=admin)
    return response.status_code, response.headers.get("ETag")


def send(client, method: str, path: str, headers: dict):
    if method == "PUT":
        return client.simulate_put(path, json=PUT_BODY, headers=headers)
    return client.simulate_request(method, path, headers=headers)


CASES = [
    (method, present, {header: kind})
    for method, present, header, kind in itertools.product(METHODS, (True, False), HEADERS, VALUES)
] + [
    (method, present, {"If-Match": first, "If-None-Match": second})
    for method, present, first, second in itertools.product(
        METHODS, (True, False), ("current", "stale"), ("current", "stale", "*")
    )
]


@pytest.mark.parametrize(
    ("method", "present", "conditions"), CASES,
    ids=[f"{m}-{'present' if p else 'absent'}-" + "-".join(f"{h}={k}" for h, k in c.items())
         for m, p, c in CASES],
)
def test_preconditions_are_evaluated_in_rfc_9110_order(client, admin, tags, method, present, conditions):
    stale, current = tags
    path = f"{WIDGETS}/matrix" if present else f"{WIDGETS}/absent"
    before = state(client, admin, path)
    headers = {**admin, **{h: spelled(kind, current, stale) for h, kind in conditions.items()}}
    response = send(client, method, path, headers)
    status = expected(method, present, conditions)
    assert response.status_code == status, response.text
    if status == 412 and method != "HEAD":  # HEAD: the same answer without its body
        assert_envelope(response, 412)
    if status in (412, 304) or method in SAFE:
        assert state(client, admin, path) == before  # nothing changed
    if status == 304:
        assert (response.content, response.headers["ETag"]) == (b"", current)


@pytest.mark.parametrize(
    ("kind", "status"), [("current", 200), ("*", 200), ("stale", 412), ("weak-current", 412)]
)
def test_the_list_honours_if_match_of_its_page_tag(client, admin, add_widgets, kind, status):
    add_widgets(3)
    current = client.simulate_get(WIDGETS, headers=admin).headers["ETag"]
    stale = '"' + "0" * 32 + '"'
    response = client.simulate_get(WIDGETS, headers={**admin, "If-Match": spelled(kind, current, stale)})
    assert response.status_code == status, response.text


def test_the_list_checks_if_match_before_if_none_match(client, admin, add_widgets):
    add_widgets(2)
    current = client.simulate_get(WIDGETS, headers=admin).headers["ETag"]
    stale = '"' + "0" * 32 + '"'
    refused = client.simulate_get(WIDGETS, headers={**admin, "If-Match": stale, "If-None-Match": current})
    assert_envelope(refused, 412)
    both = client.simulate_get(WIDGETS, headers={**admin, "If-Match": current, "If-None-Match": current})
    assert both.status_code == 304
