"""HTTP handlers of the second factor: translate requests to its rules and back.

Mixed into AuthHandlers: they are auth.* operations, and a verified factor
starts a session as a login does.
"""

from datetime import UTC

from service.mfa import factors, mfa_tokens, totp


class MfaHandlers:
    """auth.mfa, auth.totp_*, auth.recovery_codes, auth.mfa_verify."""

    def mfa(self, req, resp):
        """Show which second factors the caller has on."""
        resp.media = factors.status(req.context.user.id)

    def totp_begin(self, req, resp):
        """Draw a TOTP secret to enrol in an authenticator app; nothing is on until confirmed."""
        self._check_password(req)
        secret, uri = totp.begin(req.context.user, self.sealer)
        resp.media = {"secret": secret, "otpauth_uri": uri}

    def totp_confirm(self, req, resp):
        """Turn TOTP on with a code from the app; answer the recovery codes, shown this once."""
        codes = totp.confirm(req.context.user, req.context.inputs.body["code"], self.sealer)
        resp.media = {"recovery_codes": codes}

    def totp_disable(self, req, resp):
        """Turn TOTP off, its recovery codes with it."""
        self._check_password(req)
        totp.disable(req.context.user)
        resp.status = 204

    def recovery_codes(self, req, resp):
        """Replace the caller's recovery codes with a new set."""
        self._check_password(req)
        resp.media = {"recovery_codes": factors.new_recovery_codes(req.context.user)}

    def mfa_verify(self, req, resp):
        """Finish a login with its MFA token and one second factor: a new session."""
        body = req.context.inputs.body
        address = self._count_attempt(req, resp)
        kind = factors.proof_of(body)
        user = mfa_tokens.holder(body["mfa_token"], address)
        reservation = self.throttle.reserve_login(user.email, address)
        if kind == "credential":
            self.passkey_rules.verify_second_factor(user, body["ceremony"], body["credential"])
        else:
            factors.verify_code(user, kind, body[kind], self.sealer)
        self.throttle.succeeded(reservation)
        mfa_tokens.spend(body["mfa_token"])
        self._start_session(req, resp, user, "successfully logged in", 200)

    def _check_password(self, req) -> None:
        factors.check_password(
            req.context.user, req.context.inputs.body["current_password"], self.passwords,
            self.throttle, self._client(req),
        )


class PasskeyHandlers:
    """auth.passkey_* operations."""

    def passkey_options(self, req, resp):
        """Start registering a passkey for the caller."""
        ceremony, options = self.passkey_rules.registration_options(req.context.user)
        resp.media = {"ceremony": ceremony, "options": options}

    def passkey_add(self, req, resp):
        """Finish registering a passkey."""
        body = req.context.inputs.body
        passkey = self.passkey_rules.add(req.context.user, body["ceremony"], body["credential"], body["name"])
        resp.status = 201
        resp.media = shown(passkey)

    def passkeys(self, req, resp):
        """List the caller's passkeys."""
        resp.media = {"passkeys": [shown(p) for p in self.passkey_rules.listed(req.context.user)]}

    def passkey_delete(self, req, resp):
        """Delete one of the caller's passkeys."""
        self.passkey_rules.delete(req.context.user, req.context.inputs.path["id"])
        resp.status = 204

    def passkey_challenge(self, req, resp):
        """Start a passkey sign-in, discoverable or, with an mfa_token, as that login's second factor."""
        body = req.context.inputs.body or {}
        address = self._count_attempt(req, resp)
        user = mfa_tokens.holder(body["mfa_token"], address) if "mfa_token" in body else None
        ceremony, options = self.passkey_rules.authentication_options(user)
        resp.media = {"ceremony": ceremony, "options": options}

    def passkey_login(self, req, resp):
        """Sign in with a passkey alone: a new session."""
        body = req.context.inputs.body
        self._count_attempt(req, resp)
        user = self.passkey_rules.log_in(body["ceremony"], body["credential"])
        self._start_session(req, resp, user, "successfully logged in", 200)


def shown(passkey) -> dict:
    return {
        "id": str(passkey.public_id),
        "name": passkey.name,
        "created_at": _timestamp(passkey.created_at),
        "last_used_at": _timestamp(passkey.last_used_at) if passkey.last_used_at else None,
    }


def _timestamp(moment) -> str:
    return moment.replace(tzinfo=UTC).isoformat(timespec="seconds")
