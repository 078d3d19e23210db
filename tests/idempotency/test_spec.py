"""What the spec must say of every operation that takes Idempotency-Key, for the wrapper to be truthful."""

from service.idempotency.middleware import HEADER, REPLAYED, declares_key
from service.spec.document import load_spec

KEYED = {op.id: op for op in load_spec().operations if declares_key(op)}


def test_the_non_idempotent_operations_without_tokens_take_the_key():
    assert {"widgets.create", "users.update"} <= set(KEYED)


def test_only_methods_that_are_not_idempotent_take_the_key():
    assert {op.method for op in KEYED.values()} <= {"POST", "PATCH"}


def test_no_answer_that_carries_a_token_is_ever_stored():
    """Each retry of register, login or refresh is a new session: such answers are never kept."""
    for op in KEYED.values():
        for status, response in op.responses.items():
            assert "Pragma" not in response.get("headers", {}), (op.id, status)
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert not {"access_token", "refresh_token", "mfa_token"} & set(schema.get("properties", {}))


def test_every_keyed_operation_declares_the_in_progress_409_and_the_reused_422():
    for op in KEYED.values():
        assert "Retry-After" in op.responses["409"]["headers"], op.id
        schema = op.responses["422"]["content"]["application/json"]["schema"]
        assert schema["required"] == ["status", "message"], op.id  # the error envelope


def test_every_answer_a_keyed_operation_may_replay_declares_the_replay_header():
    """Successes and the refusals a handler itself gives (400, 404, 409) may be replayed."""
    for op in KEYED.values():
        for status, response in op.responses.items():
            if status.startswith("2") or status in ("400", "404", "409"):
                assert REPLAYED in response.get("headers", {}), (op.id, status)


def test_the_header_is_named_as_the_draft_names_it():
    parameter = next(p for p in KEYED["widgets.create"].parameters if p["in"] == "header")
    assert parameter["name"] == HEADER and not parameter.get("required")
