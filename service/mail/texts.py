"""The mails the service writes: plain text, each naming what to do and how long the key lasts."""

from service.mail.outbox import Mail

SIGNATURE = "-- \nWidget API\n"


def _lasts(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} day(s)"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour(s)"
    return f"{max(1, seconds // 60)} minute(s)"


def verify_address(address: str, link: str, key: str, seconds: int) -> Mail:
    return Mail("Verify your email address", (
        f"Hello,\n\nplease confirm that {address} is your address: open\n\n  {link}\n\n"
        f"or send this key to POST /api/v1/auth/email/verify:\n\n  key={key}\n\n"
        f"The key works once, within {_lasts(seconds)}. If you did not register, ignore this mail.\n\n"
        + SIGNATURE
    ))


def already_registered(address: str) -> Mail:
    return Mail("You already have an account", (
        f"Hello,\n\nsomeone, perhaps you, tried to register {address}, which already has an\n"
        "account. Nothing was changed. If you forgot your password, ask for a reset:\n"
        "POST /api/v1/auth/password/reset. If it was not you, ignore this mail.\n\n"
        + SIGNATURE
    ))


def reset_password(link: str, key: str, seconds: int) -> Mail:
    return Mail("Reset your password", (
        f"Hello,\n\na password reset was asked for your account. To choose a new password, open\n\n"
        f"  {link}\n\nor send this key with your new password to\n"
        f"POST /api/v1/auth/password/reset/confirm:\n\n  key={key}\n\n"
        f"The key works once, within {_lasts(seconds)}; it signs you out everywhere else.\n"
        "If you did not ask for it, ignore this mail: your password stays as it is.\n\n"
        + SIGNATURE
    ))


def change_address(new_address: str, link: str, key: str, seconds: int) -> Mail:
    return Mail("Confirm your new email address", (
        f"Hello,\n\nto move your account to {new_address}, open\n\n  {link}\n\n"
        f"or send this key to POST /api/v1/auth/email/verify:\n\n  key={key}\n\n"
        f"The key works once, within {_lasts(seconds)}. If you did not ask for it, ignore this mail.\n\n"
        + SIGNATURE
    ))


def change_notice(new_address: str) -> Mail:
    return Mail("Your email address is about to change", (
        f"Hello,\n\na move of your account to {new_address} was asked for. Nothing changes until\n"
        "the key mailed there is used. If it was not you, change your password now.\n\n"
        + SIGNATURE
    ))
