"""HTTP handlers for the auth operations: translate requests to account rules and back."""

from datetime import UTC

from service import metrics
from service.auth import accounts
from service.auth.addresses import client_address, limit_key
from service.auth.passwords import Passwords
from service.auth.throttle import Throttle
from service.auth.tokens import Tokens
from service.clock import clock

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class AuthHandlers:
    """auth.* operations."""

    def __init__(self, tokens: Tokens, passwords: Passwords, throttle: Throttle, trusted_proxies=()):
        self.tokens = tokens
        self.passwords = passwords
        self.throttle = throttle
        self.trusted_proxies = tuple(trusted_proxies)

    def register(self, req, resp):
        """Create an account and return a token for it."""
        body = req.context.inputs.body
        self._count_attempt(req, resp)
        user = accounts.register(body["email"], body["password"], self.passwords)
        self._issue_token(resp, user, "successfully registered", 201)

    def login(self, req, resp):
        """Exchange email and password for a token."""
        body = req.context.inputs.body
        with metrics.login_attempt():
            address = self._count_attempt(req, resp)
            user = accounts.log_in(body["email"], body["password"], self.passwords, self.throttle, address)
        self._issue_token(resp, user, "successfully logged in", 200)

    def user(self, req, resp):
        """Show the token's user and the time left on the token."""
        user, claims = req.context.user, req.context.claims
        resp.set_headers(NO_STORE)
        resp.media = {
            "email": user.email,
            "public_id": str(user.public_id),
            "admin": user.admin,
            "registered_on": user.registered_on.replace(tzinfo=UTC).isoformat(timespec="seconds"),
            "token_expires_in": _clock(claims.seconds_left(clock.now())),
        }

    def logout(self, req, resp):
        """Revoke the presented token for every worker and host."""
        claims = req.context.claims
        accounts.revoke(claims.token_id, claims.accepted_until, self.tokens.leeway_seconds)
        resp.media = {"status": "success", "message": "successfully logged out"}

    def _count_attempt(self, req, resp) -> str:
        """Count the attempt against the client's address, which it returns; every answer
        after shows the quota."""
        address = self._client(req)
        quota = self.throttle.attempt(address)
        if quota is not None:
            resp.set_headers(quota.headers())
        return address

    def _client(self, req) -> str:
        """The client as the limits count it (an IPv6 client by its /64)."""
        forwarded_for = req.get_header("X-Forwarded-For")
        return limit_key(client_address(req.remote_addr, forwarded_for, self.trusted_proxies))

    def _issue_token(self, resp, user, message: str, status: int) -> None:
        resp.status = status
        resp.set_headers(NO_STORE)
        resp.media = {
            "status": "success",
            "message": message,
            "access_token": self.tokens.issue(str(user.public_id), user.admin),
            "token_type": "bearer",
            "expires_in": self.tokens.lifetime_seconds,
        }


def _clock(seconds: int) -> str:
    """Render seconds as HH:MM:SS, hours unbounded."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
