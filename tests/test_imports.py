"""What building the app loads: every module is resident in every worker, so one pulled in for
nothing costs each of them memory (bench/over_http.py reports the RSS per worker).

openapi-schema-validator 0.8 and newer read their one setting through pydantic-settings, which
brings pydantic and its compiled core, 7.6 MB per worker, for nothing the service uses: the
service pins the release before them, and this test says so if a dependency brings pydantic back.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNWANTED = ("pydantic", "pydantic_core", "pydantic_settings")


def test_building_the_app_loads_no_pydantic(tmp_path):
    code = (
        "import os, sys;"
        "from service.app import create_app;"
        "from service.settings import Settings;"
        f"create_app(Settings.from_env({{'DATABASE_URL': 'sqlite:///{tmp_path}/app.db'}}));"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {UNWANTED!r}))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout
