"""gunicorn settings, all from the environment: `gunicorn -c gunicorn.conf.py`.

GUNICORN_CMD_ARGS still overrides anything here.
"""

import multiprocessing
import os

wsgi_app = "service.app:get_app()"

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"

# 2 x cores + 1 is gunicorn's rule of thumb for sync workers; capped so a big
# host does not open more database connections than PostgreSQL allows.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 12)))
worker_class = "sync"

# A request that takes longer than this is killed and its worker replaced;
# database calls time out well before (connect timeout 3 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# SIGTERM lets in-flight requests finish for this long before workers exit.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5

# Recycle workers now and then so a slow leak cannot grow without bound;
# the jitter keeps them from all restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "1000"))

# Request line and header bounds (the app bounds bodies itself: 413).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# X-Forwarded-For and X-Forwarded-Proto are trusted only from these addresses
# (a load balancer on the same host by default); set FORWARDED_ALLOW_IPS to
# the balancer's addresses when it runs elsewhere.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# An empty GUNICORN_ACCESS_LOG turns the access log off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")

# gunicorn's control socket is one fixed path per user: two instances on a
# host would fight over it, and the service needs none of its commands.
control_socket_disable = True
