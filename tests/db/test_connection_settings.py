"""PostgreSQL sessions are opened with bounds that keep one request inside gunicorn's timeout."""

import pytest

from service.db.connection import open_database
from tests.support.databases import drop_postgres_database, fresh_postgres_database
from tests.support.settings import POSTGRES_TEST_DB


@pytest.fixture(scope="module")
def postgres_url():
    url = fresh_postgres_database(f"{POSTGRES_TEST_DB}_settings")
    yield url
    drop_postgres_database(url)


def session_settings(url: str, *names, prepared: bool = True) -> dict:
    database = open_database(url, prepared=prepared)
    try:
        return {name: database.execute_sql(f"SHOW {name}").fetchone()[0] for name in names}
    finally:
        database.close()


def test_sessions_cancel_slow_statements_lock_waits_and_idle_transactions(postgres_url):
    assert session_settings(
        postgres_url, "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"
    ) == {
        "statement_timeout": "5s",
        "lock_timeout": "4s",
        "idle_in_transaction_session_timeout": "15s",
    }


def test_sessions_never_compile_plans_and_plan_prepared_statements_once(postgres_url):
    assert session_settings(postgres_url, "jit", "plan_cache_mode") == {
        "jit": "off", "plan_cache_mode": "force_generic_plan"}
    assert session_settings(postgres_url, "plan_cache_mode", prepared=False) == {
        "plan_cache_mode": "auto"}


def test_sessions_name_the_service_to_the_server(postgres_url):
    assert session_settings(postgres_url, "application_name") == {"application_name": "widget-api"}


def test_server_options_in_the_url_win_over_the_defaults(postgres_url):
    url = postgres_url + "?options=-c%20statement_timeout%3D1500"
    assert session_settings(url, "statement_timeout", "lock_timeout") == {
        "statement_timeout": "1500ms",
        "lock_timeout": "4s",
    }


def test_connection_parameters_in_the_url_win_over_the_defaults():
    params = open_database("postgresql://app@db.example/widgets?connect_timeout=7").connect_params
    assert (params["connect_timeout"], params["keepalives"]) == (7, 1)


def test_percent_encoded_credentials_in_the_url_are_decoded():
    params = open_database(
        "postgresql://app%40corp:p%40ss%3Aw%2Frd@db.example/widgets"
    ).connect_params
    assert (params["user"], params["password"]) == ("app@corp", "p@ss:w/rd")


def prepared_after_repeats(url: str, prepared: bool) -> list:
    """(generic, custom) plans of what the server holds prepared for a session that ran one
    query ten times."""
    database = open_database(url, prepared=prepared)
    try:
        for _ in range(10):
            database.execute_sql("SELECT %s::int + 1", (1,)).fetchone()
        return database.execute_sql(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
        ).fetchall()
    finally:
        database.close()


def test_a_statement_run_often_is_prepared_on_the_server_and_planned_once(postgres_url):
    [(generic, custom)] = prepared_after_repeats(postgres_url, prepared=True)
    assert generic >= 1 and custom == 0  # never re-planned for its parameters


def test_prepared_statements_off_leaves_nothing_prepared_for_a_pooler_to_lose(postgres_url):
    assert prepared_after_repeats(postgres_url, prepared=False) == []
