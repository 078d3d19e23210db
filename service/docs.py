"""The served spec and Swagger UI, from the locally installed bundle (no CDN)."""

import json
from pathlib import Path

from swagger_ui_bundle import swagger_ui_path

from service.errors import NotFound

INITIALIZER = "widget-api-init.js"
PASSKEY_PAGE = "passkeys.html"  # the passkey page and its script, served beside the UI's assets
PASSKEY_SCRIPT = "widget-api-passkeys.js"
ASSET_TYPES = {
    ".js": "application/javascript", ".css": "text/css", ".png": "image/png",
    ".html": "text/html; charset=utf-8",
}
HERE = Path(__file__).resolve().parent


def page(asset) -> str:
    """The Swagger UI page; `asset(name)` is the URL of one of its files."""
    return f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Widget API</title>
    <link rel="stylesheet" type="text/css" href="{asset('swagger-ui.css')}">
    <link rel="icon" type="image/png" href="{asset('favicon-32x32.png')}" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{asset('swagger-ui-bundle.js')}" charset="UTF-8"></script>
    <script src="{asset('swagger-ui-standalone-preset.js')}" charset="UTF-8"></script>
    <script src="{asset(INITIALIZER)}" charset="UTF-8"></script>
  </body>
</html>
"""


def initializer(spec_url: str) -> str:
    """The page's own script: Swagger UI over the spec at `spec_url`."""
    return f"""window.onload = function () {{
  window.ui = SwaggerUIBundle({{
    url: "{spec_url}",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  }});
}};
"""


class DocsHandlers:
    """docs.* operations; every URL they send is a path the spec declares."""

    def __init__(self, spec, bundle_dir: Path = Path(swagger_ui_path)):
        self.spec = spec
        self._ui_url = spec.path_of("docs.ui")
        self._spec_url = spec.path_of("docs.openapi_json")
        asset_path = spec.path_of("docs.asset")
        self._page = page(lambda name: asset_path.replace("{asset}", name))
        self._initializer = initializer(self._spec_url)
        self._spec_json = json.dumps(spec.document, ensure_ascii=False, default=str)
        self._assets = {
            path.name: path
            for path in Path(bundle_dir).iterdir()
            if path.suffix in ASSET_TYPES and path.suffix != ".html"
            and path.name != "swagger-initializer.js"
        }
        self._assets[PASSKEY_PAGE] = HERE / "passkey_page.html"
        self._assets[PASSKEY_SCRIPT] = HERE / "passkey_page.js"

    def openapi_json(self, req, resp):
        """Serve the spec as JSON."""
        resp.content_type = "application/json"
        resp.text = self._spec_json

    def openapi_yaml(self, req, resp):
        """Serve the spec exactly as written."""
        resp.content_type = "application/yaml"
        resp.text = self.spec.text

    def ui(self, req, resp):
        """Serve the Swagger UI page."""
        resp.content_type = "text/html; charset=utf-8"
        resp.text = self._page

    def root(self, req, resp):
        """Send a browser to the docs, and tell any other client where they are."""
        resp.status = 302
        resp.location = self._ui_url
        resp.media = {
            "message": f"The Widget API; its interactive documentation is at {self._ui_url}",
            "docs": self._ui_url,
            "openapi": self._spec_url,
        }

    def asset(self, req, resp):
        """Serve one file of the Swagger UI bundle, or the page's initializer."""
        name = req.context.inputs.path["asset"]
        if not name:  # `/api/v1/ui/`: the page's own address has no trailing slash
            resp.status = 301
            resp.location = self._ui_url
            return
        if name == INITIALIZER:
            resp.content_type = ASSET_TYPES[".js"]
            resp.text = self._initializer
            return
        path = self._assets.get(name)
        if path is None:
            raise NotFound(f"{name} not found.")
        resp.content_type = ASSET_TYPES[path.suffix]
        resp.data = path.read_bytes()
