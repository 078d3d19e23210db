"""The widget total a listing shows follows every way widgets come and go (migration 0005's triggers)."""

import importlib
from datetime import datetime

import peewee
import psycopg2
import pytest
from peewee import fn

from service.auth import accounts
from service.auth.passwords import Passwords
from service.db.models import User, Widget, WidgetTotal
from tests.support.widgets import WIDGETS, widget_body

SLOTS = importlib.import_module("service.db.migrations.0005_widget_total").SLOTS


def total_shown(client, headers) -> int:
    response = client.simulate_get(WIDGETS, headers=headers)
    assert response.headers["Total-Count"] == str(response.json["total_items"])
    return response.json["total_items"]


def test_creates_deletes_and_puts_move_the_total_by_what_they_did(client, admin, add_widgets):
    add_widgets(3)
    assert total_shown(client, admin) == 3
    assert put(client, admin, "widget-1").status_code == 200  # an update
    assert total_shown(client, admin) == 3
    assert put(client, admin, "widget-9").status_code == 201  # a create
    assert total_shown(client, admin) == 4
    assert client.simulate_post(WIDGETS, json=widget_body("widget-2"), headers=admin).status_code == 409
    assert total_shown(client, admin) == 4
    client.simulate_delete(f"{WIDGETS}/widget-2", headers=admin)
    assert client.simulate_delete(f"{WIDGETS}/widget-2", headers=admin).status_code == 404
    assert total_shown(client, admin) == 3


def test_a_deleted_owner_takes_the_count_of_their_widgets_with_them(client, admin, add_widgets):
    add_widgets(2)
    owner = User.get(User.email == "admin@example.com")
    other = accounts.register(
        "other-admin@example.com", "correct horse battery", Passwords.for_profile("testing"), admin=True
    )
    Widget.update(owner=other).where(Widget.name == "widget-2").execute()
    owner.delete_instance()  # cascades to widget-1
    assert WidgetTotal.select(fn.SUM(WidgetTotal.n)).scalar() == Widget.select().count() == 1


def test_the_total_matches_a_count_after_a_bulk_insert_and_a_bulk_delete(client, admin):
    owner = User.get(User.email == "admin@example.com")
    rows = [widget_row(f"bulk-{i}", owner) for i in range(250)]
    Widget.insert_many(rows).execute()
    assert total_shown(client, admin) == 250
    Widget.delete().where(Widget.name.startswith("bulk-1")).execute()
    assert total_shown(client, admin) == Widget.select().count() == 250 - 111


def test_a_failed_write_leaves_the_total_as_it_was(client, admin, add_widgets):
    add_widgets(1)
    owner = User.get(User.email == "admin@example.com")
    with pytest.raises(peewee.IntegrityError):  # the second row's name is taken: neither is written
        Widget.insert_many([widget_row("fresh", owner), widget_row("widget-1", owner)]).execute()
    assert total_shown(client, admin) == 1


def put(client, headers, name: str):
    body = {"info_url": "https://www.example.com/put", "deadline": "12/31/2030"}
    return client.simulate_put(f"{WIDGETS}/{name}", json=body, headers=headers)


def widget_row(name: str, owner: User) -> dict:
    return {"name": name, "info_url": "https://example.com", "created_at": datetime(2026, 1, 1),
            "deadline": datetime(2030, 12, 31, 23, 59, 59), "owner": owner.id}


def test_creates_in_two_open_transactions_do_not_wait_on_each_other_for_the_total(
    client, admin, database_url
):
    """Each session adds to its own slot: a writer that has not committed holds only its own."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one transaction write at a time: no two inserts can be pending")
    owner_id = User.get(User.email == "admin@example.com").id
    first = psycopg2.connect(database_url)
    others = [psycopg2.connect(database_url, options="-c lock_timeout=2s") for _ in range(8)]
    try:
        slot = backend_slot(first)
        second = next(c for c in others if backend_slot(c) != slot)  # 8 tries at 15 in 16 each
        insert_widget(first, "first-pending", owner_id)  # uncommitted: its slot stays locked
        insert_widget(second, "second-pending", owner_id)  # would time out if it waited
        second.commit()
        first.commit()
    finally:
        for conn in (first, *others):
            conn.close()
    assert total_shown(client, admin) == Widget.select().count() == 2


def backend_slot(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid() %% %s", (SLOTS,))
        return cur.fetchone()[0]


def insert_widget(conn, name: str, owner_id: int) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO widgets (name, info_url, created_at, deadline, owner_id)"
            " VALUES (%s, 'https://example.com', now(), now() + interval '1 day', %s)",
            (name, owner_id),
        )
