"""HTTP handlers for the auth operations: translate requests to account rules and back."""

from datetime import UTC

from service import metrics
from service.auth import accounts
from service.auth import sessions as auth_sessions
from service.auth.addresses import client_address, limit_key
from service.auth.by_email import EmailAccounts
from service.auth.passwords import Passwords
from service.auth.throttle import Throttle
from service.auth.tokens import Tokens
from service.clock import clock
from service.errors import ApiError
from service.mail.links import key_link
from service.mfa.gate import require_second_factor
from service.mfa.handlers import MfaHandlers, PasskeyHandlers
from service.mfa.passkeys import Passkeys, Relying
from service.mfa.sealed import Sealer
from service.public_urls import PublicUrls

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class AuthHandlers(MfaHandlers, PasskeyHandlers):
    """auth.* operations."""

    def __init__(
        self, tokens: Tokens, passwords: Passwords, throttle: Throttle, trusted_proxies=(),
        refresh_seconds: int = 60, sealer: Sealer | None = None,
        passkey_rules: Passkeys | None = None,
        email_accounts: EmailAccounts | None = None,
        links: "KeyLinks | None" = None,
    ):
        self.sealer = sealer or Sealer(tokens.secret)
        self.passkey_rules = passkey_rules or Passkeys(Relying("localhost", ()))
        self.tokens = tokens
        self.passwords = passwords
        self.throttle = throttle
        self.trusted_proxies = tuple(trusted_proxies)
        self.refresh_seconds = refresh_seconds
        self.email = email_accounts
        self.links = links

    def register(self, req, resp):
        """Create an account and return a token for it; when verification is mandatory, only
        mail a key (an address already registered gets a notice instead, and the same answer)."""
        body = req.context.inputs.body
        self._count_attempt(req, resp)
        link = self.links.maker(req, "auth.verify_email")
        if self.email.mandatory:
            self.email.register_quietly(body["email"], body["password"], self.throttle, link)
            resp.status = 201
            resp.set_headers(NO_STORE)
            resp.media = {"status": "success", "message": "check your mail to verify your address"}
            return
        welcome = (lambda user: self.email.welcome(user, link)) if self.email.sends_verification() else None
        user, started = accounts.join(
            body["email"], body["password"], self.passwords, welcome, req.user_agent,
            self.refresh_seconds,
        )
        self._issue_tokens(resp, user, started, "successfully registered", 201)

    def login(self, req, resp):
        """Exchange email and password for a token."""
        body = req.context.inputs.body
        with metrics.login_attempt():
            address = self._client(req)
            reservation = self.throttle.reserve_login(body["email"], address, count_address=True)
            if reservation.quota is not None:
                resp.set_headers(reservation.quota.headers())
            # a wrong password answers 401 and its attempt stays counted
            user = accounts.authenticate(body["email"], body["password"], self.passwords)
        try:
            self.email.check_login(user)
            require_second_factor(user, address, user.second_factors)
        except ApiError:
            self.throttle.succeeded(reservation)  # the password was right all the same
            raise
        self._start_session(req, resp, user, "successfully logged in", 200,
                            with_commit=self.throttle.succeed_at_commit(reservation))

    def verify_email(self, req, resp):
        """Spend a mailed key: the address is verified, or the account moves to its new address."""
        self._count_attempt(req, resp)
        self.email.verify(req.context.inputs.body["key"])
        resp.media = {"status": "success", "message": "email address verified"}

    def resend_verification(self, req, resp):
        """Mail a new verification key to an unverified address; the same answer for any address."""
        self._count_attempt(req, resp)
        email = req.context.inputs.body["email"]
        self.email.resend(email, self.throttle, self.links.maker(req, "auth.verify_email"))
        self._accepted(resp, "if the address awaits verification, a new key is on its way")

    def request_password_reset(self, req, resp):
        """Mail a reset key to the address if it has an account; the same answer, in the same time."""
        self._count_attempt(req, resp)
        email = req.context.inputs.body["email"]
        self.email.request_reset(email, self.throttle, self.links.maker(req, "auth.reset_password"))
        self._accepted(resp, "if the address has an account, a reset key is on its way")

    def reset_password(self, req, resp):
        """Spend a reset key for a new password and a new session; every other session ends."""
        body = req.context.inputs.body
        address = self._count_attempt(req, resp)
        user = self.email.reset_password(body["key"], body["new_password"], address)
        self._start_after_reset(req, resp, user, address)

    def change_email(self, req, resp):
        """Mail a key to the new address and a notice to the old; the move waits for the key."""
        body = req.context.inputs.body
        self.email.change_email(
            req.context.user, body["new_email"], body["current_password"], self.throttle,
            self._client(req), self.links.maker(req, "auth.verify_email"),
        )
        self._accepted(resp, "a key is on its way to the new address")

    def _start_after_reset(self, req, resp, user, address: str) -> None:
        """The login a reset ends with: an account with a second factor still has to give it
        (403 with an mfa_token), as a login with the new password would."""
        require_second_factor(user, address)
        self._start_session(req, resp, user, "password reset", 200)

    @staticmethod
    def _accepted(resp, message: str) -> None:
        resp.status = 202
        resp.media = {"status": "success", "message": message}

    def refresh(self, req, resp):
        """Spend a refresh token for a new access token and a new refresh token, same session."""
        refresh_token = req.context.inputs.body["refresh_token"]
        user, started = auth_sessions.rotate(refresh_token, self.refresh_seconds)
        self._issue_tokens(resp, user, started, "successfully refreshed", 200)

    def sessions(self, req, resp):
        """List the caller's active sessions, newest first."""
        current = req.context.claims.session_id
        resp.set_headers(NO_STORE)
        resp.media = {
            "sessions": [
                {
                    "id": str(session.public_id),
                    "created_at": _timestamp(session.created_at),
                    "last_used_at": _timestamp(session.last_used_at),
                    "user_agent": session.user_agent,
                    "current": str(session.public_id) == current,
                }
                for session in auth_sessions.active(req.context.user)
            ]
        }

    def end_session(self, req, resp):
        """End one of the caller's sessions."""
        auth_sessions.end_own(req.context.user, req.context.inputs.path["id"])
        resp.status = 204

    def end_all_sessions(self, req, resp):
        """End every session of the caller, the current one included."""
        auth_sessions.end_all(req.context.user)
        resp.status = 204

    def change_password(self, req, resp):
        """Change the caller's password: a new session starts and every earlier one ends."""
        body, user = req.context.inputs.body, req.context.user
        started = accounts.change_password(
            user, body["current_password"], body["new_password"], self.passwords, self.throttle,
            self._client(req), req.user_agent, self.refresh_seconds,
        )
        self._issue_tokens(resp, user, started, "password changed", 200)

    def user(self, req, resp):
        """Show the token's user and the time left on the token."""
        user, claims = req.context.user, req.context.claims
        resp.set_headers(NO_STORE)
        resp.media = {
            "email": user.email,
            "public_id": str(user.public_id),
            "admin": user.admin,
            "registered_on": _timestamp(user.registered_on),
            "email_verified": user.email_verified,
            "token_expires_in": _clock(claims.seconds_left(clock.now())),
        }

    def logout(self, req, resp):
        """Revoke the presented token for every worker and host."""
        claims = req.context.claims
        auth_sessions.end(claims.session_id)
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

    def _start_session(self, req, resp, user, message: str, status: int, with_commit=()) -> None:
        started = auth_sessions.start(user, req.user_agent, self.refresh_seconds, with_commit)
        self._issue_tokens(resp, user, started, message, status)

    def _issue_tokens(
        self, resp, user, started: auth_sessions.Started, message: str, status: int
    ) -> None:
        resp.status = status
        resp.set_headers(NO_STORE)
        resp.media = {
            "status": "success",
            "message": message,
            "access_token": self.tokens.issue(str(user.public_id), user.admin, started.session_id),
            "token_type": "bearer",
            "expires_in": self.tokens.lifetime_seconds,
            "refresh_token": started.refresh_token,
            "refresh_expires_in": self.refresh_seconds,
        }


class KeyLinks:
    """Build the link mailed with a key: FRONTEND_URL's page, else the docs page of this service."""

    def __init__(self, frontend_url: str | None, public_urls: PublicUrls, docs_path: str):
        self.frontend_url = frontend_url
        self.public_urls = public_urls
        self.docs_path = docs_path

    def maker(self, req, operation: str):
        """A function of a key for `operation`; the Host is read (and checked) only when needed."""
        def link(key: str) -> str:
            docs = "" if self.frontend_url else self.public_urls.prefix(req) + self.docs_path
            return key_link(self.frontend_url, docs, operation, key)
        return link


def _timestamp(moment) -> str:
    """A stored (naive UTC) moment as RFC 3339, to the second."""
    return moment.replace(tzinfo=UTC).isoformat(timespec="seconds")


def _clock(seconds: int) -> str:
    """Render seconds as HH:MM:SS, hours unbounded."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
