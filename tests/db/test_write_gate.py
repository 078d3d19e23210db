"""SQLite writers take turns at a gate beside the database, each waiting a bounded time.

SQLite's busy handler polls with growing sleeps, so a writer that commits and begins
again at once (another gunicorn worker, a client in a loop) could hold a waiting
writer off until busy_timeout; the kernel's flock wakes the waiter when the lock is let go.
"""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import peewee
import pytest

from service.db.connection import migrate, open_database
from service.db.write_gate import WriteGate

ROOT = Path(__file__).resolve().parents[2]
# Another process writing in a loop: each transaction holds SQLite's write lock 50 ms and
# the next begins at once, leaving a waiter that polls almost no moment to take it.
LOOPING_WRITER = textwrap.dedent("""
    import sys, time
    from service.db.connection import open_database
    database = open_database(sys.argv[1], create=False)
    database.execute_sql("CREATE TABLE IF NOT EXISTS loop (n INTEGER)")
    print("ready", flush=True)
    end = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < end:
        with database.atomic("IMMEDIATE"):
            database.execute_sql("INSERT INTO loop VALUES (1)")
            time.sleep(0.05)
""")


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "gate.db"
    database = open_database(f"sqlite:///{path}")
    migrate(database)
    database.close()
    return path


def test_a_writer_looping_in_another_process_cannot_starve_a_write(sqlite_file):
    url = f"sqlite:///{sqlite_file}"
    looping = subprocess.Popen([sys.executable, "-c", LOOPING_WRITER, url, "12"], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    database = open_database(url, create=False)
    try:
        assert looping.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        for _ in range(3):  # SQLite's busy wait alone fails each of these (database is locked)
            with database.atomic("IMMEDIATE"):
                database.execute_sql("INSERT INTO loop VALUES (2)")
        assert looping.poll() is None, "the looping writer ended before the writes were tried"
    finally:
        looping.kill()
        looping.wait()
        database.close()


def test_the_gate_is_a_file_beside_the_database_and_let_go_after_each_transaction(sqlite_file):
    database = open_database(f"sqlite:///{sqlite_file}", create=False)
    gate = Path(f"{sqlite_file}-writer.lock")
    other = WriteGate(str(gate), timeout=0.2)
    try:
        with database.atomic("IMMEDIATE"):
            with pytest.raises(peewee.OperationalError, match="database is locked"):
                other.acquire()
        other.acquire()  # free again after COMMIT
        other.release()
        with pytest.raises(ZeroDivisionError), database.atomic("EXCLUSIVE"):
            1 / 0
        other.acquire()  # and after ROLLBACK
        other.release()
    finally:
        other.close()
        database.close()


def test_a_closed_connection_lets_go_of_the_gate_a_failed_begin_keeps_its_own(sqlite_file):
    gate = str(sqlite_file) + "-writer.lock"
    database = open_database(f"sqlite:///{sqlite_file}", create=False)
    other = WriteGate(gate, timeout=0.2)
    try:
        database.begin("IMMEDIATE")
        with pytest.raises(peewee.OperationalError):  # a transaction is already open
            database.begin("IMMEDIATE")
        with pytest.raises(peewee.OperationalError, match="database is locked"):
            other.acquire()  # the open transaction still holds it
        database.close()  # closing ends the transaction, and lets go
        other.acquire()
    finally:
        other.close()


def test_a_waiter_that_gave_up_lets_go_of_a_late_acquisition(sqlite_file):
    path = str(sqlite_file) + "-writer.lock"
    holder, waiter, third = (WriteGate(path, timeout=0.3) for _ in range(3))
    try:
        holder.acquire()
        with pytest.raises(peewee.OperationalError, match="database is locked"):
            waiter.acquire()
        holder.release()  # the abandoned helper now takes the lock, and lets go at once
        third.timeout = 5
        assert third.acquire() > 0
    finally:
        for gate in (holder, waiter, third):
            gate.close()


def test_no_gate_without_a_file_nor_where_the_lock_file_cannot_be_made(tmp_path):
    memory = open_database("sqlite:///:memory:")
    assert memory.gate_path is None
    with memory.atomic("IMMEDIATE"):
        memory.execute_sql("SELECT 1")
    memory.close()
    if os.geteuid() == 0:
        pytest.skip("root writes to a read-only directory")
    path = tmp_path / "ro.db"
    database = open_database(f"sqlite:///{path}")
    database.execute_sql("CREATE TABLE t (n INTEGER)")
    database.close()
    tmp_path.chmod(0o555)
    try:
        database = open_database(f"sqlite:///{path}", create=False)
        with pytest.raises(peewee.OperationalError):  # SQLite's own answer: it cannot write here
            with database.atomic("IMMEDIATE"):
                database.execute_sql("INSERT INTO t VALUES (1)")
        database.close()
    finally:
        tmp_path.chmod(0o755)
