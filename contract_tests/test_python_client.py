"""A Python client generated from the spec drives the service under gunicorn, typed end to end.

openapi-python-client writes the client into a temporary directory at test
time; it is imported from there and never committed.
"""

import importlib
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest

from contract_tests.identities import PASSWORD
from service.spec.document import SPEC_PATH
from tests.support.settings import TEST_SECRET

pytestmark = pytest.mark.server

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
WIDGET_API = Path(sys.executable).with_name("widget-api")
PACKAGE = "widget_api_client"
# The generator reads JSON and text bodies only; the YAML form of the spec stays untyped
# (`.content` of the raw response) while every other operation gets its models.
UNTYPED = {"GET /api/v1/openapi.yaml"}


@pytest.fixture(scope="module")
def generation(tmp_path_factory):
    """Generate the client (no ruff pass: the code is imported, not read) and import it."""
    where = tmp_path_factory.mktemp("python-client")
    config = where / "generator.yaml"
    config.write_text("post_hooks: []\n")
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(SPEC_PATH),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(where))
        yield done.stdout + done.stderr
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def api(generation):
    """The generated package's modules, by the names a client developer imports."""
    modules = [
        "client",
        "models",
        "api.auth.auth_register",
        "api.auth.auth_login",
        "api.auth.auth_user",
        "api.auth.auth_logout",
        "api.widgets.widgets_create",
        "api.widgets.widgets_list",
        "api.widgets.widgets_get",
        "api.widgets.widgets_update",
        "api.widgets.widgets_delete",
        "api.auth.auth_refresh",
        "api.auth.auth_sessions",
        "api.auth.auth_end_session",
        "api.auth.auth_end_all_sessions",
        "api.auth.auth_change_password",
        "api.users.users_list",
        "api.users.users_get",
        "api.users.users_update",
        "api.users.users_delete",
    ]
    return {
        name.rsplit(".", 1)[-1]: importlib.import_module(f"{PACKAGE}.{name}") for name in modules
    }


def test_generator_types_every_operation_but_the_yaml_document(generation):
    skipped = set(re.findall(r"WARNING parsing (\S+ \S+) within", generation))
    assert skipped == UNTYPED, generation


def add_admin(database_url: str, email: str) -> None:
    """Create an administrator the documented way: widget-api add-user --admin --password-stdin."""
    environ = {
        "APP_ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PATH": str(WIDGET_API.parent),
    }
    done = subprocess.run(
        [str(WIDGET_API), "add-user", email, "--admin", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_generated_client_drives_the_whole_flow(api, live_server, database_url):
    models, client = api["models"], api["client"]
    anonymous = client.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    registered = api["auth_register"].sync_detailed(
        client=anonymous,
        body=models.Credentials(email="Client.User@Example.com", password=PASSWORD),
    )
    assert registered.status_code == 201
    assert isinstance(registered.parsed, models.TokenIssued)
    logged_in = api["auth_login"].sync(
        client=anonymous,
        body=models.CredentialsForm(email="client.user@example.com", password=PASSWORD),
    )
    assert (
        isinstance(logged_in, models.TokenIssued) and logged_in.message == "successfully logged in"
    )
    user = client.AuthenticatedClient(base_url=live_server.url, token=logged_in.access_token)

    me = api["auth_user"].sync(client=user)
    assert isinstance(me, models.User)
    assert (me.email, me.admin) == ("client.user@example.com", False)

    add_admin(database_url, "client.admin@example.com")
    admin_token = (
        api["auth_login"]
        .sync(
            client=anonymous,
            body=models.Credentials(email="client.admin@example.com", password=PASSWORD),
        )
        .access_token
    )
    admin = client.AuthenticatedClient(base_url=live_server.url, token=admin_token)
    names = [f"client-widget-{number}" for number in range(1, 8)]
    for number, name in enumerate(names):
        shape = models.NewWidget if number % 2 else models.NewWidgetForm
        created = api["widgets_create"].sync_detailed(
            client=admin,
            body=shape(name=name, info_url=f"https://example.com/{name}", deadline="12/31/2099"),
        )
        assert created.status_code == 201, created.content
        assert created.headers["location"] == f"{live_server.url}/api/v1/widgets/{name}"

    keyed = {
        "client": admin, "idempotency_key": "client-create-1",
        "body": models.NewWidget(name="client-keyed", info_url="https://example.com/k", deadline="12/31/2099"),
    }
    first, retry = (api["widgets_create"].sync_detailed(**keyed) for _ in range(2))
    assert first.status_code == retry.status_code == 201 and retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"
    assert api["widgets_delete"].sync_detailed(client=admin, name="client-keyed").status_code == 204

    listed, page_number = [], 1
    while True:
        page = api["widgets_list"].sync(
            client=user, page=page_number, per_page=models.WidgetsListPerPage.VALUE_5
        )
        assert isinstance(page, models.WidgetPage) and page.total_items == len(names)
        listed += [widget.name for widget in page.items]
        if not page.has_next:
            break
        page_number += 1
    assert (listed, page_number) == (names, 2)

    updated = api["widgets_update"].sync(
        client=admin,
        name=names[0],
        body=models.WidgetChanges(info_url="https://example.com/changed", deadline="2099-06-30"),
    )
    assert isinstance(updated, models.Status)
    widget = api["widgets_get"].sync(client=user, name=names[0].upper())
    assert isinstance(widget, models.Widget)
    assert widget.info_url == "https://example.com/changed"
    assert widget.deadline_iso8601 == datetime(2099, 6, 30, 23, 59, 59, tzinfo=UTC)
    assert widget.owner.email == "client.admin@example.com"

    assert api["widgets_delete"].sync_detailed(client=admin, name=names[0]).status_code == 204
    gone = api["widgets_get"].sync_detailed(client=user, name=names[0])
    assert gone.status_code == 404 and isinstance(gone.parsed, models.Error)

    farewell = api["auth_logout"].sync(client=user)
    assert isinstance(farewell, models.Status) and farewell.message == "successfully logged out"
    refused = api["auth_user"].sync_detailed(client=user)
    assert refused.status_code == 401
    assert isinstance(refused.parsed, models.Error)
    assert refused.parsed.message == "Token blacklisted. Please log in again."


def test_generated_client_drives_sessions_and_user_administration(api, live_server, database_url):
    models, client = api["models"], api["client"]
    anonymous = client.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    credentials = models.Credentials(email="session.user@example.com", password=PASSWORD)
    first = api["auth_register"].sync(client=anonymous, body=credentials)
    second = api["auth_login"].sync(client=anonymous, body=credentials)

    refreshed = api["auth_refresh"].sync(
        client=anonymous, body=models.RefreshRequest(refresh_token=second.refresh_token)
    )
    assert isinstance(refreshed, models.TokenIssued) and refreshed.refresh_expires_in > 0
    replayed = api["auth_refresh"].sync_detailed(
        client=anonymous, body=models.RefreshRequestForm(refresh_token=second.refresh_token)
    )
    assert replayed.status_code == 401 and isinstance(replayed.parsed, models.Error)
    ended_by_reuse = client.AuthenticatedClient(base_url=live_server.url, token=refreshed.access_token)
    assert api["auth_user"].sync_detailed(client=ended_by_reuse).status_code == 401

    user = client.AuthenticatedClient(base_url=live_server.url, token=first.access_token)
    listed = api["auth_sessions"].sync(client=user)
    assert isinstance(listed, models.SessionList)
    assert [session.current for session in listed.sessions] == [True]
    third = api["auth_login"].sync(client=anonymous, body=credentials)
    other = next(s for s in api["auth_sessions"].sync(client=user).sessions if not s.current)
    assert api["auth_end_session"].sync_detailed(client=user, id=other.id).status_code == 204
    assert api["auth_refresh"].sync_detailed(
        client=anonymous, body=models.RefreshRequest(refresh_token=third.refresh_token)
    ).status_code == 401

    changed = api["auth_change_password"].sync(
        client=user,
        body=models.PasswordChange(current_password=PASSWORD, new_password="a brand new passphrase"),
    )
    assert isinstance(changed, models.TokenIssued) and changed.message == "password changed"
    assert api["auth_user"].sync_detailed(client=user).status_code == 401
    user = client.AuthenticatedClient(base_url=live_server.url, token=changed.access_token)

    add_admin(database_url, "session.admin@example.com")
    admin = client.AuthenticatedClient(
        base_url=live_server.url,
        token=api["auth_login"].sync(
            client=anonymous,
            body=models.Credentials(email="session.admin@example.com", password=PASSWORD),
        ).access_token,
    )
    page = api["users_list"].sync(client=admin, per_page=models.UsersListPerPage.VALUE_5)
    assert isinstance(page, models.UserPage) and page.total_items == 2
    target = next(account for account in page.items if account.email == "session.user@example.com")
    shown = api["users_get"].sync(client=admin, public_id=target.public_id)
    assert isinstance(shown, models.Account) and shown.admin is False
    promoted = api["users_update"].sync(
        client=admin, public_id=target.public_id, body=models.UserChanges(admin=True)
    )
    assert isinstance(promoted, models.Account) and promoted.admin is True
    assert api["users_list"].sync_detailed(client=user).status_code == 200

    assert api["auth_end_all_sessions"].sync_detailed(client=user).status_code == 204
    assert api["auth_user"].sync_detailed(client=user).status_code == 401
    assert api["users_delete"].sync_detailed(client=admin, public_id=target.public_id).status_code == 204
    gone = api["users_get"].sync_detailed(client=admin, public_id=target.public_id)
    assert gone.status_code == 404 and isinstance(gone.parsed, models.Error)


ACCOUNT_MODULES = [
    "auth_register",
    "auth_login",
    "auth_user",
    "auth_request_password_reset",
    "auth_reset_password",
    "auth_verify_email",
    "auth_resend_verification",
    "auth_change_email",
    "auth_mfa",
    "auth_totp_begin",
    "auth_totp_confirm",
    "auth_totp_disable",
    "auth_recovery_codes",
    "auth_mfa_verify",
]


@pytest.fixture(scope="module")
def accounts(generation):
    """The generated modules of the account operations, by operation."""
    loaded = {name: importlib.import_module(f"{PACKAGE}.api.auth.{name}") for name in ACCOUNT_MODULES}
    return {**loaded, "client": importlib.import_module(f"{PACKAGE}.client"),
            "models": importlib.import_module(f"{PACKAGE}.models")}


def registered_with(api: dict, server, email: str) -> tuple:
    """Register `email` through the generated client: an anonymous client and the new user's."""
    anonymous = api["client"].Client(base_url=server.url, raise_on_unexpected_status=True)
    registered = api["auth_register"].sync(
        client=anonymous, body=api["models"].Credentials(email=email, password=PASSWORD)
    )
    assert isinstance(registered, api["models"].TokenIssued)
    user = api["client"].AuthenticatedClient(base_url=server.url, token=registered.access_token)
    return anonymous, user


def test_generated_client_resets_a_password_and_verifies_an_address_from_real_mail(
    accounts, mailing_server
):
    api, models = accounts, accounts["models"]
    server, inbox = mailing_server
    email, new_password = "reset.user@example.com", "a brand new passphrase"
    anonymous, old = registered_with(api, server, email)
    first = inbox.key(email, "Verify your email address")
    resent = api["auth_resend_verification"].sync_detailed(
        client=anonymous, body=models.EmailRequest(email=email)
    )
    assert resent.status_code == 202 and isinstance(resent.parsed, models.Status)
    second = inbox.key(email, "Verify your email address")
    assert second != first
    verified = api["auth_verify_email"].sync(client=anonymous, body=models.KeyRequest(key=second))
    assert isinstance(verified, models.Status)
    assert api["auth_user"].sync(client=old).email_verified is True

    asked = api["auth_request_password_reset"].sync_detailed(
        client=anonymous, body=models.EmailRequest(email=email)
    )
    assert asked.status_code == 202 and isinstance(asked.parsed, models.Status)
    key = inbox.key(email, "Reset your password")
    reset = api["auth_reset_password"].sync(
        client=anonymous, body=models.PasswordReset(key=key, new_password=new_password)
    )
    assert isinstance(reset, models.TokenIssued)
    assert api["auth_user"].sync_detailed(client=old).status_code == 401
    refused = api["auth_login"].sync_detailed(
        client=anonymous, body=models.Credentials(email=email, password=PASSWORD)
    )
    assert refused.status_code == 401 and isinstance(refused.parsed, models.Error)
    spent = api["auth_reset_password"].sync_detailed(
        client=anonymous, body=models.PasswordReset(key=key, new_password="yet another passphrase")
    )
    assert spent.status_code == 400 and isinstance(spent.parsed, models.Error)
    user = api["client"].AuthenticatedClient(base_url=server.url, token=reset.access_token)
    assert api["auth_user"].sync(client=user).email == email
    logged_in = api["auth_login"].sync(
        client=anonymous, body=models.Credentials(email=email, password=new_password)
    )
    assert isinstance(logged_in, models.TokenIssued)


def test_generated_client_moves_an_account_to_a_new_address_from_real_mail(accounts, mailing_server):
    api, models = accounts, accounts["models"]
    server, inbox = mailing_server
    email, new = "moving.user@example.com", "moved.user@example.com"
    anonymous, user = registered_with(api, server, email)

    asked = api["auth_change_email"].sync_detailed(
        client=user, body=models.EmailChange(new_email=new, current_password=PASSWORD)
    )
    assert asked.status_code == 202 and isinstance(asked.parsed, models.Status)
    verified = api["auth_verify_email"].sync(
        client=anonymous, body=models.KeyRequest(key=inbox.key(new, "Confirm your new email address"))
    )
    assert isinstance(verified, models.Status)
    logged_in = api["auth_login"].sync(
        client=anonymous, body=models.Credentials(email=new, password=PASSWORD)
    )
    assert isinstance(logged_in, models.TokenIssued)
    moved = api["client"].AuthenticatedClient(base_url=server.url, token=logged_in.access_token)
    assert (api["auth_user"].sync(client=moved).email, api["auth_user"].sync(client=moved).email_verified) == (new, True)
    assert api["auth_login"].sync_detailed(
        client=anonymous, body=models.Credentials(email=email, password=PASSWORD)
    ).status_code == 401


def test_generated_client_turns_on_totp_and_logs_in_with_a_second_factor(accounts, live_server):
    api, models = accounts, accounts["models"]
    anonymous = api["client"].Client(base_url=live_server.url, raise_on_unexpected_status=True)
    credentials = models.Credentials(email="totp.user@example.com", password=PASSWORD)
    token = api["auth_register"].sync(client=anonymous, body=credentials).access_token
    user = api["client"].AuthenticatedClient(base_url=live_server.url, token=token)

    begun = api["auth_totp_begin"].sync(
        client=user, body=models.PasswordConfirmation(current_password=PASSWORD)
    )
    assert isinstance(begun, models.TotpSecret) and begun.otpauth_uri.startswith("otpauth://totp/")
    confirmed = api["auth_totp_confirm"].sync(
        client=user, body=models.TotpConfirmation(code=pyotp.TOTP(begun.secret).now())
    )
    assert isinstance(confirmed, models.RecoveryCodes) and len(confirmed.recovery_codes) == 10
    status = api["auth_mfa"].sync(client=user)
    assert isinstance(status, models.MfaStatus)
    assert (status.totp, status.recovery_codes_left) == (True, 10)

    def challenge():
        answered = api["auth_login"].sync_detailed(client=anonymous, body=credentials)
        assert answered.status_code == 403, answered.content
        assert isinstance(answered.parsed, models.MfaRequired), answered.parsed
        assert "totp" in [str(method) for method in answered.parsed.methods]
        return answered.parsed.mfa_token

    by_code = api["auth_mfa_verify"].sync(
        client=anonymous,
        # the next step's code: the one confirming TOTP is spent, as an app's next one is not
        body=models.MfaVerification(
            mfa_token=challenge(), code=pyotp.TOTP(begun.secret).at(time.time() + 30)
        ),
    )
    assert isinstance(by_code, models.TokenIssued)
    recovery = confirmed.recovery_codes[0]
    by_recovery = api["auth_mfa_verify"].sync(
        client=anonymous, body=models.MfaVerification(mfa_token=challenge(), recovery_code=recovery)
    )
    assert isinstance(by_recovery, models.TokenIssued)
    again = api["auth_mfa_verify"].sync_detailed(
        client=anonymous, body=models.MfaVerification(mfa_token=challenge(), recovery_code=recovery)
    )
    assert again.status_code == 401 and isinstance(again.parsed, models.Error)
    assert api["auth_mfa"].sync(client=user).recovery_codes_left == 9

    renewed = api["auth_recovery_codes"].sync(
        client=user, body=models.PasswordConfirmation(current_password=PASSWORD)
    )
    assert isinstance(renewed, models.RecoveryCodes) and recovery not in renewed.recovery_codes
    assert api["auth_mfa"].sync(client=user).recovery_codes_left == 10
    off = api["auth_totp_disable"].sync_detailed(
        client=user, body=models.PasswordConfirmation(current_password=PASSWORD)
    )
    assert off.status_code == 204
    assert api["auth_mfa"].sync(client=user).totp is False
    assert isinstance(api["auth_login"].sync(client=anonymous, body=credentials), models.TokenIssued)
