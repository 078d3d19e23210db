"""Falcon routes built from the spec's paths, each operation bound to its handler.

An operationId `group.name` resolves to the method `name` of the handler
object registered for `group`. A `head` operation is served by its path's
`get` handler: HEAD is GET without the body (RFC 9110 §9.3.2), which Falcon
leaves out.
"""

import inspect

import falcon


class StartupError(RuntimeError):
    """The spec and the handlers do not match; the app refuses to start."""


class PathResource:
    """Every operation of one path; ContractMiddleware answers 405 for any other method."""

    def __init__(self, operations: dict, handlers: dict):
        self.operations = operations
        self._handlers = handlers
        for method in operations:
            setattr(self, f"on_{method.lower()}", self._dispatch)

    def _dispatch(self, req, resp, **params):
        self._handlers[req.method](req, resp)


def operation_of(req, resource):
    """The spec operation a routed request invokes, or None (unknown path or method)."""
    if isinstance(resource, PathResource):
        return resource.operations.get(req.method)
    return None


def bind_handlers(operations, groups: dict) -> dict:
    """Map each operationId to its handler; fail if either side has one the other lacks."""
    bound, missing = {}, []
    for op in operations:
        if op.method == "HEAD":
            continue  # served by its path's GET handler
        group, _, name = op.id.partition(".")
        handler = getattr(groups.get(group), name, None) if not name.startswith("_") else None
        if callable(handler):
            bound[op.id] = handler
        else:
            missing.append(op.id)
    unused = [
        f"{group}.{name}"
        for group, handlers in groups.items()
        for name, _ in inspect.getmembers(handlers, inspect.ismethod)
        if not name.startswith("_") and f"{group}.{name}" not in bound
    ]
    if missing or unused:
        raise StartupError(
            "spec and handlers disagree: "
            f"operations without a handler: {missing or 'none'}; "
            f"handlers without an operation: {unused or 'none'}"
        )
    return bound


def add_routes(app: falcon.App, spec, groups: dict, wrap=None) -> None:
    """Add one Falcon route per spec path; `wrap(op, handler)`, if given, may put a handler
    inside behaviour the operation's spec asks for."""
    bound = bind_handlers(spec.operations, groups)
    wrap = wrap or (lambda op, handler: handler)
    for path, operations in spec.by_path().items():
        if "HEAD" in operations and "GET" not in operations:
            raise StartupError(f"{path}: a head operation without a get to answer it")
        handlers = {method: wrap(op, bound[op.id]) for method, op in operations.items() if method != "HEAD"}
        if "HEAD" in operations:
            handlers["HEAD"] = handlers["GET"]
        app.add_route(path, PathResource(operations, handlers))
