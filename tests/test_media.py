"""JSON response bodies: orjson writes them, and what it refuses the stdlib still writes."""

import json

from service.media import dumps


def test_a_body_is_compact_json_of_the_same_value():
    media = {"items": [{"name": "é", "n": 1, "ok": True, "none": None, "x": 1.5}], "total": 2}
    written = dumps(media)
    assert json.loads(written) == media
    assert b" " not in written and "é".encode() in written


def test_what_orjson_refuses_is_written_by_the_stdlib():
    for media in ({"big": 2**70}, {1: "non-string key"}):
        assert json.loads(dumps(media)) == json.loads(json.dumps(media))
