"""The peewee models; their tables are created only by migrations."""

import uuid

import peewee

from service.clock import utcnow

db = peewee.DatabaseProxy()


class BaseModel(peewee.Model):
    class Meta:
        database = db
        legacy_table_names = False


class User(BaseModel):
    public_id = peewee.UUIDField(unique=True, default=uuid.uuid4)
    email = peewee.CharField(max_length=254, unique=True)
    password_hash = peewee.CharField(max_length=255)
    admin = peewee.BooleanField(default=False)
    registered_on = peewee.DateTimeField(default=utcnow)
    email_verified = peewee.BooleanField(default=False)

    class Meta:
        table_name = "users"


class RevokedToken(BaseModel):
    jti = peewee.CharField(max_length=64, unique=True)
    expires_at = peewee.DateTimeField(index=True)  # the token's exp plus the leeway: kept until then

    class Meta:
        table_name = "revoked_tokens"


class Widget(BaseModel):
    name = peewee.CharField(max_length=100, unique=True)
    info_url = peewee.CharField(max_length=2048)
    created_at = peewee.DateTimeField(default=utcnow, index=True)
    deadline = peewee.DateTimeField()
    owner = peewee.ForeignKeyField(User, backref="widgets", on_delete="CASCADE")

    class Meta:
        table_name = "widgets"


class WidgetTotal(BaseModel):
    """How many widgets there are: the sum of `n` over the rows, which triggers on widgets keep
    in step (migration 0005)."""

    slot = peewee.IntegerField(primary_key=True)
    n = peewee.BigIntegerField()

    class Meta:
        table_name = "widget_total"


class AuthThrottle(BaseModel):
    """One counter of auth attempts or failures for a key (an account or a client address)."""

    key = peewee.CharField(max_length=100, unique=True)
    hits = peewee.IntegerField(default=0)
    window_ends_at = peewee.DateTimeField(index=True)

    class Meta:
        table_name = "auth_throttles"


class Session(BaseModel):
    """A login and what it issued: access tokens name it (`sid`), refresh tokens belong to it."""

    public_id = peewee.UUIDField(unique=True, default=uuid.uuid4)
    user = peewee.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=utcnow)
    last_used_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField(index=True)  # when its current refresh token expires
    ended_at = peewee.DateTimeField(null=True)  # set once: logout, reuse, password change, ...
    user_agent = peewee.CharField(max_length=256, default="")

    class Meta:
        table_name = "sessions"


class RefreshToken(BaseModel):
    """A refresh token, stored only as its SHA-256; spent ones stay to recognise their reuse."""

    token_hash = peewee.CharField(max_length=64, unique=True)
    session = peewee.ForeignKeyField(Session, backref="refresh_tokens", on_delete="CASCADE")
    expires_at = peewee.DateTimeField(index=True)
    spent_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "refresh_tokens"


class EmailKey(BaseModel):
    """A mailed key (verification, reset, address change), stored only as its SHA-256."""

    user = peewee.ForeignKeyField(User, backref="email_keys", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)
    key_hash = peewee.CharField(max_length=64, unique=True)
    new_email = peewee.CharField(max_length=254, null=True)  # where an address change moves to
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField(index=True)
    spent_at = peewee.DateTimeField(null=True)  # used, replaced by a newer key, or killed

    class Meta:
        table_name = "email_keys"
        indexes = ((("user", "kind"), False),)


class OutboxMail(BaseModel):
    """A mail written in the transaction that caused it; the mailer delivers it at least once."""

    message_id = peewee.CharField(max_length=255, unique=True)  # fixed here: a resend is the same mail
    recipient = peewee.CharField(max_length=254)
    subject = peewee.CharField(max_length=255)
    body = peewee.TextField()  # emptied once sent or failed: no key outlives its delivery here
    created_at = peewee.DateTimeField(default=utcnow)
    due_at = peewee.DateTimeField()  # when it may be tried next; a claim moves it past its lease
    attempts = peewee.IntegerField(default=0)
    state = peewee.CharField(max_length=8, default="pending")  # pending, sent, failed
    sent_at = peewee.DateTimeField(null=True)
    last_error = peewee.CharField(max_length=500, null=True)

    class Meta:
        table_name = "mail_outbox"
        indexes = ((("state", "due_at"), False),)
