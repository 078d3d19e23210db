"""A stand-in validator that types inputs as handlers expect and checks nothing.

It prices "our stack with validation off"; the service itself never uses it.
"""

from service.spec.validator import Inputs


class UncheckedValidator:
    """Parse path, query and body like `Validator` does, but accept anything."""

    def __init__(self, operations):
        self._defaults = {
            op.id: {
                p["name"]: p["schema"]["default"]
                for p in op.parameters
                if p["in"] == "query" and "default" in p.get("schema", {})
            }
            for op in operations
        }

    def request(self, op, req, path_params) -> Inputs:
        query = dict(self._defaults[op.id])
        query.update({name: int(value) for name, value in req.params.items() if value.isdigit()})
        body = req.get_media(default_when_empty=None) if req.content_length else None
        return Inputs(path=dict(path_params), query=query, body=body)

    def response(self, op, resp) -> list:
        return []
