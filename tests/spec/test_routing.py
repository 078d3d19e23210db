"""The app refuses to start when the spec and the handlers disagree."""

import pytest

from service.spec.document import Operation
from service.spec.routing import StartupError, bind_handlers


def operation(op_id: str) -> Operation:
    return Operation(op_id, "GET", "/x", False, False, False, (), None, {})


class Handlers:
    def present(self, req, resp):
        """An operation's handler."""

    def extra(self, req, resp):
        """A handler no operation names."""


def test_operation_without_handler_stops_startup_naming_it():
    with pytest.raises(StartupError, match=r"operations without a handler: \['group.absent'\]"):
        bind_handlers([operation("group.present"), operation("group.extra"),
                       operation("group.absent")], {"group": Handlers()})


def test_handler_without_operation_stops_startup_naming_it():
    with pytest.raises(StartupError, match=r"handlers without an operation: \['group.extra'\]"):
        bind_handlers([operation("group.present")], {"group": Handlers()})


def test_matching_spec_and_handlers_bind_every_operation():
    bound = bind_handlers([operation("group.present"), operation("group.extra")],
                          {"group": Handlers()})
    assert set(bound) == {"group.present", "group.extra"}
