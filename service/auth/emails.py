"""How an email address is compared: one rule for accounts and for the throttle's keys."""


def normalise_email(email: str) -> str:
    """Emails are stored and compared case-insensitively, without surrounding blanks."""
    return email.strip().lower()
