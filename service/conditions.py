"""Entity tags and the preconditions of conditional requests (RFC 9110 §8.8.3 and §13).

Tags here are strong: a digest of what the resource stores, so equal tags mean
equal stored fields. Comparison follows §8.8.3.2: If-Match compares strongly (a
weak tag never matches), If-None-Match weakly.
"""

import hashlib
import re
from dataclasses import dataclass

from service.errors import PreconditionFailed

ANY = "*"
ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')
CHANGED_MEANWHILE = "the resource changed while the request was served; read it again"


def entity_tag(*parts) -> str:
    """A strong tag for the values `parts`, the same for the same values in every process."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8", "backslashreplace"))
    return f'"{digest.hexdigest()[:32]}"'


def parse_tags(value: str | None) -> tuple | None:
    """A header's list of (weak, opaque-tag) pairs, `(ANY,)` for `*`, None when absent."""
    if value is None:
        return None
    if value.strip() == ANY:
        return (ANY,)
    return tuple((bool(m[1]), m[2]) for m in ENTITY_TAG.finditer(value))


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/").strip('"')


def _matches(listed: tuple, current: str | None, strong: bool) -> bool:
    if current is None:
        return False
    if listed == (ANY,):
        return True
    return any(opaque == _opaque(current) and not (strong and weak) for weak, opaque in listed)


@dataclass(frozen=True)
class Preconditions:
    """A request's If-Match and If-None-Match (None where absent).

    If-Unmodified-Since and If-Modified-Since (steps 2 and 4) are ignored, as §13.2.2
    allows a server that sends no Last-Modified; If-Range only concerns Range, which
    is not served.
    """

    if_match: tuple | None = None
    if_none_match: tuple | None = None

    @classmethod
    def from_headers(cls, if_match: str | None, if_none_match: str | None) -> "Preconditions":
        return cls(parse_tags(if_match), parse_tags(if_none_match))

    def __bool__(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None

    def not_modified(self, current: str) -> bool:
        """For a GET or HEAD of a resource whose tag is `current`, in RFC 9110 §13.2.2's order:
        raise the 412 when If-Match is false (step 1); else True when If-None-Match names
        the current tag, so the client's copy is current (step 3: 304)."""
        self._check_if_match(current)
        return self.if_none_match is not None and _matches(self.if_none_match, current, strong=False)

    def check_write(self, current: str | None) -> None:
        """For a PUT or DELETE on a resource whose tag is `current` (None: it does not exist):
        raise the 412 when a precondition is false (RFC 9110 §13.2.2, steps 1 and 3)."""
        self._check_if_match(current)
        if self.if_none_match is not None and _matches(self.if_none_match, current, strong=False):
            if self.if_none_match == (ANY,):
                raise PreconditionFailed("If-None-Match: *: the resource exists already")
            raise PreconditionFailed("If-None-Match: the resource's current ETag is one of those given")

    def _check_if_match(self, current: str | None) -> None:
        if self.if_match is not None and not _matches(self.if_match, current, strong=True):
            if current is None:
                raise PreconditionFailed("If-Match: the resource does not exist")
            raise PreconditionFailed("If-Match: the resource's current ETag is not one of those given")
