"""Real credentials for the contract runs: a user and an administrator, tokens from the API."""

import re
import uuid
from collections.abc import Callable

from service.auth import accounts
from service.auth.passwords import Passwords

PASSWORD = "correct horse battery staple"
ROLES = ("user", "admin")
# Operations that end the presented token's session (or every one of its user's)
REVOKING = {"auth.logout", "auth.end_session", "auth.end_all_sessions", "auth.change_password"}
CHEAP = Passwords.for_profile("testing")
# A bearer JWT as the service issues them; anything else in Authorization was made up by the fuzzer
ISSUED = re.compile(r"Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

# post(path, json_body) -> (status, json_response): one request to the service under test
Post = Callable[[str, dict], tuple[int, dict]]


class Identities:
    """One account per role: the user registers through the API, the admin as add-user does."""

    def __init__(self, post: Post):
        self.post = post
        self.emails = {role: _new_email(role) for role in ROLES}
        registered = self._expect(201, "/api/v1/auth/register", self.emails["user"])
        accounts.register(self.emails["admin"], PASSWORD, CHEAP, admin=True)
        logged_in = self._expect(200, "/api/v1/auth/login", self.emails["admin"])
        self._tokens = {"user": registered["access_token"], "admin": logged_in["access_token"]}

    def token(self, role: str) -> str:
        """The role's long-lived token, shared by every case that cannot revoke it."""
        return self._tokens[role]

    def fresh_token(self, role: str) -> str:
        """A token nothing else holds, for a case that may end its session (logout, ending
        sessions, a password change).

        A user's comes from registering a new account: the fuzzer's failed logins can lock
        the shared account out (429) while registration stays open.
        """
        if role == "user":
            return self._expect(201, "/api/v1/auth/register", _new_email("logout"))["access_token"]
        return self._expect(200, "/api/v1/auth/login", self.emails[role])["access_token"]

    def _expect(self, status: int, path: str, email: str) -> dict:
        got, body = self.post(path, {"email": email, "password": PASSWORD})
        assert got == status, f"{path} for {email}: {got} {body}"
        return body


def _new_email(role: str) -> str:
    return f"contract-{role}-{uuid.uuid4().hex[:10]}@example.com"


def operation_id(operation) -> str | None:
    return operation.definition.raw.get("operationId")


def is_admin_only(operation) -> bool:
    return bool(operation.definition.raw.get("x-admin-only"))


def least_privilege(operation) -> str:
    """The weakest role that may call an operation: admin for admin-only ones, user elsewhere."""
    return "admin" if is_admin_only(operation) else "user"


def bearer_provider(identities: Identities, role_for: Callable[[object], str]) -> type:
    """A schemathesis auth provider presenting the token of `role_for(operation)`.

    Operations that end sessions get a token of their own each time, so they never end the
    shared ones.
    """

    class Bearer:
        def get(self, case, context):
            role = role_for(context.operation)
            if operation_id(context.operation) in REVOKING:
                return identities.fresh_token(role)
            return identities.token(role)

        def set(self, case, token, context):
            """Present our token, unless a link brought one the service issued (login -> user)."""
            headers = dict(case.headers or {})
            presented = [name for name in headers if name.lower() == "authorization"]
            linked = str(headers.pop(presented[0])) if presented else ""
            headers["Authorization"] = linked if ISSUED.fullmatch(linked) else f"Bearer {token}"
            case.headers = headers

    return Bearer
