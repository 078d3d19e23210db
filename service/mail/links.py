"""The links mailed with a key: FRONTEND_URL's page, else the service's own docs page."""


def key_link(frontend_url: str | None, docs_url: str, operation: str, key: str) -> str:
    """`frontend_url` with `{key}` filled in; without it, the operation in the interactive docs."""
    if frontend_url:
        return frontend_url.replace("{key}", key)
    return f"{docs_url}#/auth/{operation}?key={key}"
