"""The served spec and Swagger UI, from the locally installed bundle (no CDN)."""

import json
from pathlib import Path

from swagger_ui_bundle import swagger_ui_path

from service.errors import NotFound

SPEC_JSON_URL = "/api/v1/openapi.json"
UI_URL = "/api/v1/ui"
INITIALIZER = "widget-api-init.js"
ASSET_TYPES = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}

PAGE = f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Widget API</title>
    <link rel="stylesheet" type="text/css" href="{UI_URL}/swagger-ui.css">
    <link rel="icon" type="image/png" href="{UI_URL}/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{UI_URL}/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="{UI_URL}/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="{UI_URL}/{INITIALIZER}" charset="UTF-8"></script>
  </body>
</html>
"""

INITIALIZER_JS = f"""window.onload = function () {{
  window.ui = SwaggerUIBundle({{
    url: "{SPEC_JSON_URL}",
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
    """docs.* operations."""

    def __init__(self, spec, bundle_dir: Path = Path(swagger_ui_path)):
        self.spec = spec
        self._spec_json = json.dumps(spec.document, ensure_ascii=False, default=str)
        self._assets = {
            path.name: path
            for path in Path(bundle_dir).iterdir()
            if path.suffix in ASSET_TYPES and path.name != "swagger-initializer.js"
        }

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
        resp.text = PAGE

    def root(self, req, resp):
        """Send a browser to the docs, and tell any other client where they are."""
        resp.status = 302
        resp.location = UI_URL
        resp.media = {
            "message": f"The Widget API; its interactive documentation is at {UI_URL}",
            "docs": UI_URL,
            "openapi": SPEC_JSON_URL,
        }

    def asset(self, req, resp):
        """Serve one file of the Swagger UI bundle, or the page's initializer."""
        name = req.context.inputs.path["asset"]
        if not name:  # `/api/v1/ui/`: the page's own address has no trailing slash
            resp.status = 301
            resp.location = UI_URL
            return
        if name == INITIALIZER:
            resp.content_type = ASSET_TYPES[".js"]
            resp.text = INITIALIZER_JS
            return
        path = self._assets.get(name)
        if path is None:
            raise NotFound(f"{name} not found.")
        resp.content_type = ASSET_TYPES[path.suffix]
        resp.data = path.read_bytes()
