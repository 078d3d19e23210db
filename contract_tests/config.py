"""How the contract suite runs schemathesis: its settings and the schema's authentication.

CONTRACT_EXAMPLES sets schemathesis's examples per operation (100 by default,
the CI figure; 1000 for the long run); CONTRACT_SEED repeats a run exactly.
"""

import os
import tomllib
from pathlib import Path

import schemathesis

from contract_tests.identities import Identities, bearer_provider
from contract_tests.strategies import keep_positive_deadlines_valid

CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "100"))
SEED = os.environ.get("CONTRACT_SEED")


def contract_config(*, in_process: bool = False) -> schemathesis.Config:
    """schemathesis.toml's settings at EXAMPLES per operation; its hooks go per schema."""
    data = tomllib.loads(CONFIG_FILE.read_text())
    del data["hooks"]  # loaded globally they would reach every schemathesis user in the process
    data["generation"]["max-examples"] = EXAMPLES
    if in_process:
        # schemathesis 4.32's WSGI transport crashes on this check's unauthenticated probe (it hands
        # `max_redirects` to werkzeug); the gunicorn run applies it to every operation.
        data.setdefault("checks", {})["ignored_auth"] = {"enabled": False}
    if SEED:
        data["seed"] = int(SEED)
    return schemathesis.Config.from_dict(data)


def prepared(schema, identities: Identities, role_for):
    """`schema` presenting `role_for(operation)`'s token, with positive deadlines kept valid."""
    schema.auth(refresh_interval=None)(bearer_provider(identities, role_for))
    keep_positive_deadlines_valid(schema)
    return schema
