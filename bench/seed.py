"""Seed a database the way every benchmark measures it: 1 admin, 100 users, 1,000 widgets."""

from datetime import datetime, timedelta

from service.auth import accounts
from service.auth.passwords import Passwords
from service.db.models import User, Widget, db

ADMIN_EMAIL = "admin@bench.example.com"
PASSWORD = "bench password 1"
USERS = 100
WIDGETS = 1000


def seed() -> None:
    """Fill the bound database (its schema migrated and empty)."""
    cheap = Passwords.for_profile("testing")
    admin = accounts.register(ADMIN_EMAIL, PASSWORD, cheap, admin=True)
    for i in range(USERS):
        accounts.register(f"user{i}@bench.example.com", PASSWORD, cheap)
    start = datetime(2026, 1, 1)
    rows = [
        {
            "name": f"widget-{i:04d}",
            "info_url": f"https://www.example.com/widgets/{i}",
            "created_at": start + timedelta(minutes=i),
            "deadline": datetime(2030, 12, 31, 23, 59, 59),
            "owner": admin.id,
        }
        for i in range(WIDGETS)
    ]
    with db.atomic():
        for chunk in range(0, len(rows), 100):
            Widget.insert_many(rows[chunk:chunk + 100]).execute()
    assert User.select().count() == USERS + 1
