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


class Totp(BaseModel):
    """A user's TOTP secret, sealed (service/mfa/sealed.py); pending until a code confirms it."""

    user = peewee.ForeignKeyField(User, unique=True, on_delete="CASCADE")
    sealed_secret = peewee.CharField(max_length=255)
    confirmed_at = peewee.DateTimeField(null=True)
    last_step = peewee.BigIntegerField(null=True)  # the newest time step accepted: never again

    class Meta:
        table_name = "mfa_totp"


class RecoveryCode(BaseModel):
    """One single-use recovery code, stored only as its SHA-256."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE", index=True)
    code_hash = peewee.CharField(max_length=64, unique=True)
    used_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "mfa_recovery_codes"


class MfaToken(BaseModel):
    """A login's password step done, awaiting its second factor; stored only as its SHA-256."""

    token_hash = peewee.CharField(max_length=64, unique=True)
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    address_family = peewee.SmallIntegerField()  # 4 or 6 (0: unknown), the client's at login
    expires_at = peewee.DateTimeField(index=True)
    spent_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "mfa_tokens"


class Passkey(BaseModel):
    """A WebAuthn credential: its id, public key (COSE) and signature counter."""

    public_id = peewee.UUIDField(unique=True, default=uuid.uuid4)
    user = peewee.ForeignKeyField(User, on_delete="CASCADE", index=True)
    credential_id = peewee.CharField(max_length=1400, unique=True)  # base64url, at most 1023 bytes
    public_key = peewee.TextField()  # base64url of the COSE key
    sign_count = peewee.BigIntegerField(default=0)
    name = peewee.CharField(max_length=64)
    created_at = peewee.DateTimeField(default=utcnow)
    last_used_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "passkeys"


class Ceremony(BaseModel):
    """A WebAuthn challenge handed out: single use, short-lived, maybe bound to one user."""

    public_id = peewee.UUIDField(unique=True, default=uuid.uuid4)
    kind = peewee.CharField(max_length=16)  # registration or authentication
    user = peewee.ForeignKeyField(User, on_delete="CASCADE", null=True)
    challenge = peewee.CharField(max_length=128)  # base64url
    expires_at = peewee.DateTimeField(index=True)

    class Meta:
        table_name = "webauthn_ceremonies"


class IdempotencyKey(BaseModel):
    """The first complete answer to a request that carried an Idempotency-Key, kept for its
    retries; one per caller (`scope`) and key."""

    scope = peewee.CharField(max_length=100)  # "user:<public_id>" or "address:<client address>"
    key = peewee.CharField(max_length=255)
    fingerprint = peewee.CharField(max_length=64)  # method, path and the body as parsed
    status = peewee.IntegerField()
    location = peewee.TextField(null=True)
    etag = peewee.CharField(max_length=64, null=True)
    content_type = peewee.CharField(max_length=128, null=True)
    body = peewee.TextField()  # the body as sent, UTF-8 JSON
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField(index=True)

    class Meta:
        table_name = "idempotency_keys"
        indexes = ((("scope", "key"), True),)


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
