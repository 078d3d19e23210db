"""Headers: hostile request headers are never reflected raw; responses carry the protective ones."""

import re

import pytest

from tests.support.inprocess import admin_token, bearer, token_for

WIDGETS = "/api/v1/widgets"
APP = "https://app.example.com"


# OWASP HTTP Response Splitting (CWE-113) and Logging Cheat Sheet (CWE-117): CR/LF never echoed.
@pytest.mark.parametrize(
    "value",
    ["abc\r\nSet-Cookie: pwned=1", "abc\nX-Injected: 1", "abc\rX-Injected: 1", "a" * 10_000, "id\x00nul"],
    ids=["crlf", "lf", "cr", "overlong", "nul"],
)
def test_hostile_request_id_is_not_echoed_raw(client, value):
    response = client.simulate_get("/health", headers={"X-Request-ID": value})
    echoed = response.headers.get("X-Request-ID")
    assert echoed != value
    assert echoed is None or (re.fullmatch(r"[\x21-\x7e]{1,128}", echoed) and "pwned" not in echoed)
    assert "Set-Cookie" not in response.headers and "X-Injected" not in response.headers


# OWASP Secure Headers Project / REST Security Cheat Sheet: browsers never sniff a response into HTML.
@pytest.mark.parametrize(
    "method,path",
    [("GET", "/health"), ("GET", "/api/v1/ui"), ("GET", "/api/v1/ui/swagger-ui.css"),
     ("GET", "/api/v1/openapi.json"), ("GET", "/nowhere"), ("DELETE", "/health"),
     ("GET", "/api/v1/auth/user"), ("POST", "/api/v1/auth/register")],
)
def test_every_response_carries_nosniff(client, method, path):
    response = client.simulate_request(method, path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# RFC 6749 §5.1 and OWASP REST Security Cheat Sheet: user data (owner emails) is never cached.
def test_widget_responses_carrying_user_data_are_no_store(client):
    admin = bearer(admin_token(client))
    body = {"name": "w", "info_url": "https://www.example.com/w", "deadline": "12/31/2030"}
    client.simulate_post(WIDGETS, json=body, headers=admin)
    for path in (WIDGETS, f"{WIDGETS}/w", f"{WIDGETS}/missing"):
        assert client.simulate_get(path, headers=admin).headers["Cache-Control"] == "no-store"


def test_error_responses_of_the_api_are_no_store(client):
    for response in (client.simulate_get("/api/v1/auth/user"), client.simulate_get("/nowhere")):
        assert response.headers["Cache-Control"] == "no-store"


def test_docs_assets_stay_cacheable(client):
    assert "Cache-Control" not in client.simulate_get("/api/v1/ui/swagger-ui.css").headers


# OWASP Content Security Policy Cheat Sheet: the docs page runs only its own scripts and cannot be framed.
def test_docs_page_has_a_restrictive_content_security_policy(client):
    response = client.simulate_get("/api/v1/ui")
    policy = dict(
        directive.strip().split(" ", 1) for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]


def test_docs_page_has_no_inline_script(client):
    page = client.simulate_get("/api/v1/ui").text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.DOTALL)
    assert scripts and all('src="/api/v1/ui/' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+\s*=", page, flags=re.IGNORECASE)  # no inline event handlers either


# OWASP HTML5 Security Cheat Sheet (CORS) and ASVS 14.5.3: without configured origins, browsers get no CORS grant.
def test_without_cors_origins_no_origin_is_granted(client):
    response = client.simulate_get("/health", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_without_cors_origins_a_preflight_is_405(client):
    response = client.simulate_options(
        WIDGETS, headers={"Origin": APP, "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 405


def test_configured_origin_is_granted_and_caches_vary_by_origin(client_with):
    client = client_with(CORS_ORIGINS=APP)
    response = client.simulate_get("/health", headers={"Origin": APP})
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_other_origins_are_not_granted(client_with):
    client = client_with(CORS_ORIGINS=APP)
    response = client.simulate_get("/health", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_from_a_configured_origin_answers_the_allowed_methods(client_with):
    client = client_with(CORS_ORIGINS=APP)
    response = client.simulate_options(
        WIDGETS,
        headers={"Origin": APP, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert response.headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert not response.content


def test_options_that_is_not_a_preflight_is_still_405(client_with):
    client = client_with(CORS_ORIGINS=APP)
    assert client.simulate_options(WIDGETS, headers={"Origin": APP}).status_code == 405


def test_clients_can_read_the_headers_the_api_sends(client_with):
    client = client_with(CORS_ORIGINS=APP)
    response = client.simulate_get(WIDGETS, headers={"Origin": APP, **bearer(token_for(client))})
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"link", "total-count", "location", "retry-after", "www-authenticate"} <= exposed


def test_development_allows_every_origin_by_default(client_with):
    client = client_with(APP_ENV="development")
    response = client.simulate_get("/health", headers={"Origin": "http://localhost:3000"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
