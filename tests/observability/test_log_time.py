"""A log record's time reads as datetime would write it, though it is worked out once per second."""

import random
from datetime import UTC, datetime

from service.observability import timestamp


def test_a_record_time_is_rfc3339_utc_to_the_millisecond():
    edges = [0.0, 1700000000.001, 1700000000.9995, 1700000000.9999996, 1764258478.123456]
    draw = random.Random(7)
    spread = [draw.uniform(0, 4e9) for _ in range(2000)]
    for created in edges + spread:
        assert timestamp(created) == datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
