"""Schemathesis over every operation, every phase and every built-in check, with real credentials.

In process against the WSGI app, and against gunicorn -c gunicorn.conf.py the
way users run it. Schemathesis never tests the document it loaded the schema
from, so the in-process run loads the JSON form and the gunicorn run the YAML
form: between them every operation is covered.
"""

import pytest
import schemathesis

from contract_tests.config import contract_config, prepared
from contract_tests.identities import is_admin_only, least_privilege
from contract_tests.runner import run
from service.spec.document import load_spec

SPEC_JSON = "/api/v1/openapi.json"
SPEC_YAML = "/api/v1/openapi.yaml"


def declared(*, leaving_out: str) -> set:
    return {f"{op.method} {op.path}" for op in load_spec().operations} - {f"GET {leaving_out}"}


def assert_clean(outcome, expected_operations: set) -> None:
    """No failure and no error, every expected operation exercised, and linked scenarios run."""
    print(outcome.summary())
    assert outcome.clean, outcome.report()
    assert outcome.operations() == expected_operations
    assert any(phase == "stateful" for _, phase in outcome.cases), "no stateful scenario ran"


def test_every_operation_keeps_the_contract_in_process(wsgi_app, wsgi_identities):
    schema = schemathesis.openapi.from_wsgi(
        SPEC_JSON, wsgi_app, config=contract_config(in_process=True)
    )
    outcome = run(prepared(schema, wsgi_identities, least_privilege))
    assert_clean(outcome, declared(leaving_out=SPEC_JSON))


def test_admin_operations_refuse_a_user_by_the_contract_in_process(wsgi_app, wsgi_identities):
    schema = schemathesis.openapi.from_wsgi(
        SPEC_JSON, wsgi_app, config=contract_config(in_process=True)
    )
    # Written as an exclusion: with an `[[operations]]` entry in the config, schemathesis 4 keeps
    # one catch-all include filter, which `include(...)` would only widen (filters OR together).
    admin_only = schema.exclude(func=lambda context: not is_admin_only(context.operation))
    outcome = run(prepared(admin_only, wsgi_identities, lambda operation: "user"))
    assert_clean(
        outcome, {f"{op.method} {op.path}" for op in load_spec().operations if op.admin_only}
    )


@pytest.mark.server
def test_every_operation_keeps_the_contract_over_gunicorn(live_server, live_identities):
    schema = schemathesis.openapi.from_url(live_server.url + SPEC_YAML, config=contract_config())
    outcome = run(prepared(schema, live_identities, least_privilege))
    assert_clean(outcome, declared(leaving_out=SPEC_YAML))
