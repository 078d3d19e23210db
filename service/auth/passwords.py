"""argon2id password hashing, with a cheap profile for the test suite."""

import unicodedata

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's default is RFC 9106's low-memory profile (t=3, 64 MiB, p=4):
# about 90 ms a hash here, right for production and far too slow for tests.
TESTING_PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


class Passwords:
    """Hash and verify passwords; verifying an unknown user costs the same as a known one."""

    def __init__(self, hasher: argon2.PasswordHasher):
        self._hasher = hasher
        self._dummy_hash = hasher.hash("a password nobody has")

    @classmethod
    def for_profile(cls, env: str) -> "Passwords":
        if env == "testing":
            return cls(argon2.PasswordHasher(**TESTING_PARAMETERS))
        return cls(argon2.PasswordHasher())

    def hash(self, password: str) -> str:
        return self._hasher.hash(normalise(password))

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Check `password`; with no hash, spend the same effort on a dummy one and fail."""
        try:
            matched = self._hasher.verify(password_hash or self._dummy_hash, normalise(password))
        except (VerificationError, InvalidHashError):
            return False
        return matched and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def normalise(password: str) -> str:
    """NFKC, as NIST SP 800-63B §5.1.1.2 asks: one password, however the keyboard composed it."""
    return unicodedata.normalize("NFKC", password)
