"""The spec machinery: the OpenAPI document, routes from its paths, the validator, the gate.

`document` loads and resolves `openapi/api.yaml`; `routing` builds Falcon routes from its
paths and binds each operationId to a handler; `validator` (over `compiled_schema`) checks
requests and responses; `middleware` is the gate that applies it to every request.
"""
