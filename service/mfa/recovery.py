"""Recovery codes: ten per set, 80 random bits each, shown once and stored only as SHA-256.

At 80 bits a code is as hard to guess from its hash as a key, so a plain hash
serves (a password needs argon2; these are not chosen by people). Each works
once; a new set ends the old one.
"""

import base64
import hashlib
import secrets

from service.clock import utcnow
from service.db.models import RecoveryCode

SET_SIZE = 10
CODE_BYTES = 10  # 80 bits, 16 base32 characters


def _new_code() -> str:
    text = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().lower()
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def normalise(code: str) -> str:
    """A code as typed: any case, with or without its dashes and spaces."""
    return "".join(code.split()).replace("-", "").lower()


def digest(code: str) -> str:
    return hashlib.sha256(b"recovery-code\x00" + normalise(code).encode()).hexdigest()


def replace(user_id: int) -> list[str]:
    """A new set for `user_id`, the old set gone; call inside the user's write transaction."""
    codes = [_new_code() for _ in range(SET_SIZE)]
    RecoveryCode.delete().where(RecoveryCode.user == user_id).execute()
    RecoveryCode.insert_many([{"user": user_id, "code_hash": digest(code)} for code in codes]).execute()
    return codes


def remove(user_id: int) -> None:
    RecoveryCode.delete().where(RecoveryCode.user == user_id).execute()


def left(user_id: int) -> int:
    return RecoveryCode.select().where(
        (RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null()
    ).count()


def use(user_id: int, code: str) -> bool:
    """Spend one of `user_id`'s unused codes (one conditional update: a code works once, ever)."""
    return bool(RecoveryCode.update(used_at=utcnow()).where(
        (RecoveryCode.user == user_id) & (RecoveryCode.code_hash == digest(code))
        & RecoveryCode.used_at.is_null()
    ).execute())
