"""The ceiling: a bare Falcon app serving, from memory, the bytes the service answered.

Served by gunicorn from bench/over_http.py; CEILING_RESPONSES names a JSON file of
{"METHOD path": [status, body]}.
"""

import json
import os

import falcon


class Canned:
    """Answer every request for one path with the recorded status and bytes."""

    def __init__(self, answers: dict):
        self.answers = answers

    def _respond(self, req, resp):
        status, body = self.answers[req.method]
        resp.status = status
        resp.content_type = falcon.MEDIA_JSON
        resp.data = body.encode()

    on_get = on_post = _respond


def make_app() -> falcon.App:
    with open(os.environ["CEILING_RESPONSES"], encoding="utf-8") as handle:
        recorded = json.load(handle)
    by_path: dict = {}
    for key, answer in recorded.items():
        method, path = key.split(" ", 1)
        by_path.setdefault(path, {})[method] = answer
    app = falcon.App()
    for path, answers in by_path.items():
        app.add_route(path, Canned(answers))
    return app
