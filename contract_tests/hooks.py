"""The suite's `future-date` knowledge for the schemathesis CLI (schemathesis.toml names it)."""

import schemathesis

from contract_tests.strategies import keep_positive_deadlines_valid, register_formats

register_formats()
keep_positive_deadlines_valid(schemathesis)
