"""A trailing slash on a collection names no item: 404 pointing to the collection.

`/api/v1/widgets/` matches `/api/v1/widgets/{name}` with an empty name, which the
spec refuses; a client that typed the slash is told where the collection is,
not that a field it never sent is too short.
"""

import pytest

from tests.support.inprocess import admin_token, assert_envelope, bearer


@pytest.mark.parametrize(
    ("method", "path", "collection"),
    [
        ("GET", "/api/v1/widgets/", "/api/v1/widgets"),
        ("DELETE", "/api/v1/widgets/", "/api/v1/widgets"),
        ("PUT", "/api/v1/widgets/", "/api/v1/widgets"),
        ("GET", "/api/v1/users/", "/api/v1/users"),
        ("PATCH", "/api/v1/users/", "/api/v1/users"),
        ("DELETE", "/api/v1/auth/sessions/", "/api/v1/auth/sessions"),
        ("DELETE", "/api/v1/auth/passkeys/", "/api/v1/auth/passkeys"),
    ],
)
def test_a_trailing_slash_on_a_collection_answers_404_naming_the_collection(
    client, method, path, collection
):
    response = client.simulate_request(
        method, path, headers=bearer(admin_token(client)), json={"description": "x"}
    )

    assert_envelope(
        response, 404, f"{path} names nothing: the collection is {collection}, "
        "without the trailing slash."
    )


def test_the_head_of_a_collection_with_a_trailing_slash_answers_404(client):
    response = client.simulate_head("/api/v1/widgets/", headers=bearer(admin_token(client)))

    assert response.status_code == 404


def test_a_trailing_slash_on_the_docs_still_leads_to_the_page(client):
    response = client.simulate_get("/api/v1/ui/")

    assert response.status_code == 301
    assert response.headers["Location"].endswith("/api/v1/ui")

