"""The service with its request metrics switched off: what bench/metrics.py compares against.

The service itself never uses it; gunicorn loads it as `bench.unmetered:get_app()`.
"""

from service import app, metrics


def get_app():
    metrics.observe_request = lambda method, route, status, seconds: None
    return app.get_app()
