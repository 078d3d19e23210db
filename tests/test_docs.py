"""The spec and its interactive docs, served."""

import yaml

from service.spec.document import SPEC_PATH


def test_spec_is_served_as_yaml_exactly_as_written(client):
    response = client.simulate_get("/api/v1/openapi.yaml")
    assert response.headers["Content-Type"] == "application/yaml"
    assert response.text == SPEC_PATH.read_text(encoding="utf-8")


def test_spec_is_served_as_json_with_the_same_content(client):
    response = client.simulate_get("/api/v1/openapi.json")
    assert response.json == yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def test_swagger_ui_page_reads_the_served_spec_from_local_assets(client):
    page = client.simulate_get("/api/v1/ui")
    assert page.headers["Content-Type"].startswith("text/html")
    assert "/api/v1/ui/swagger-ui-bundle.js" in page.text
    assert "https://" not in page.text
    init = client.simulate_get("/api/v1/ui/widget-api-init.js")
    assert '"/api/v1/openapi.json"' in init.text


def test_swagger_ui_assets_are_served_from_the_bundle(client):
    response = client.simulate_get("/api/v1/ui/swagger-ui-bundle.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/javascript"
    assert len(response.content) > 100_000


def test_unknown_asset_is_404(client):
    assert client.simulate_get("/api/v1/ui/missing.js").status_code == 404


def test_asset_name_cannot_walk_the_filesystem(client):
    response = client.simulate_get("/api/v1/ui/..%2F..%2Fsettings.py")
    assert response.status_code in (400, 404)


def test_ui_with_a_trailing_slash_redirects_to_the_page(client):
    response = client.simulate_get("/api/v1/ui/")
    assert response.status_code == 301
    assert response.headers["Location"] == "/api/v1/ui"


def test_root_redirects_to_the_docs_and_says_where_they_are(client):
    response = client.simulate_get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/api/v1/ui"
    assert response.json["docs"] == "/api/v1/ui"
    assert response.json["openapi"] == "/api/v1/openapi.json"
