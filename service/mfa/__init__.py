"""The second factor: TOTP, recovery codes, MFA tokens, passkeys."""
