"""The only wiring place: build the Falcon app from settings and the spec."""

import sys

import falcon

from service import errors, headers, media, observability
from service.auth.by_email import EmailAccounts, Lifetimes
from service.auth.handlers import AuthHandlers, KeyLinks
from service.auth.middleware import AuthMiddleware
from service.auth.passwords import Passwords
from service.auth.throttle import Throttle
from service.auth.tokens import Tokens
from service.db.connection import (
    ConnectionCheck,
    bind,
    install_unavailable_handler,
    open_database,
)
from service.docs import DocsHandlers
from service.idempotency.middleware import Idempotency
from service.mfa.passkeys import Passkeys, Relying
from service.mfa.sealed import Sealer
from service.mail.outbox import Outbox
from service.ops import MetricsGate, OpsHandlers, Scrapers
from service.public_urls import PublicUrls
from service.settings import ConfigError, Settings, warn_of_development_key
from service.spec.document import load_spec
from service.spec.middleware import ContractMiddleware
from service.spec.routing import add_routes
from service.spec.validator import Validator
from service.users.handlers import UserHandlers
from service.widgets.dates import check_future_date
from service.widgets.handlers import WidgetHandlers


def create_app(
    settings: Settings, database=None, validator=None, contract_middleware=()
) -> falcon.App:
    """Build the app; `database` defaults to the one `settings.database_url` names and
    `validator` to the spec's. Benchmarks price validation by passing other validators,
    or other `contract_middleware` to run just before ours."""
    database = bind(database or open_database(
        settings.database_url, create=False, prepared=settings.database_prepared_statements
    ))
    spec = load_spec()
    tokens = Tokens.from_settings(settings)
    passwords = Passwords.for_profile(settings.env)
    validator = validator or Validator(
        spec.operations, settings.max_body_bytes, formats={"future-date": check_future_date}
    )
    scrapers = Scrapers(settings.metrics_allow_from, settings.trusted_proxies)
    app = falcon.App(
        middleware=[
            observability.RequestLog(),
            MetricsGate(spec.path_of("ops.metrics"), scrapers),
            ConnectionCheck(database),
            AuthMiddleware(tokens),
            *contract_middleware,
            ContractMiddleware(
                validator, settings.validate_responses, allow_preflight=bool(settings.cors_origins)
            ),
            *headers.middleware(settings.cors_origins),
        ]
    )
    errors.install(app)
    media.install(app)
    install_unavailable_handler(app, database)
    add_routes(
        app,
        spec,
        {
            "auth": AuthHandlers(
                tokens, passwords, Throttle.from_settings(settings), settings.trusted_proxies,
                settings.refresh_token_expire_seconds, Sealer.from_settings(settings),
                Passkeys(Relying.from_settings(settings)),
                EmailAccounts(
                    Outbox(settings.mail_from), passwords, settings.email_verification,
                    Lifetimes(
                        settings.email_verification_expire_seconds,
                        settings.password_reset_expire_seconds,
                    ),
                    settings.mail_enabled,
                ),
                KeyLinks(
                    settings.frontend_url, PublicUrls(settings.public_url), spec.path_of("docs.ui")
                ),
            ),
            "widgets": WidgetHandlers(
                spec.path_of("widgets.list"), spec.path_of("widgets.get"),
                PublicUrls(settings.public_url),
            ),
            "users": UserHandlers(
                spec.path_of("users.list"), spec.path_of("users.get"),
                PublicUrls(settings.public_url),
            ),
            "ops": OpsHandlers(database, scrapers),
            "docs": DocsHandlers(spec),
        },
        wrap=Idempotency(settings.idempotency_key_expire_seconds, settings.trusted_proxies).wrap,
    )
    return app


def get_app() -> falcon.App:
    """The app as gunicorn serves it, built in its master: a wrong setting (one gunicorn's
    `--env` gave, say) stops the master in one `error:` line, as gunicorn.conf.py's checks do."""
    try:
        return app_from_env()
    except ConfigError as refused:
        sys.exit(f"error: {refused}")


def app_from_env() -> falcon.App:
    """The app with settings from the environment."""
    observability.configure_logging()
    settings = Settings.from_env()
    warn_of_development_key(settings)  # said already, and so silent here, under gunicorn.conf.py
    return create_app(settings)
