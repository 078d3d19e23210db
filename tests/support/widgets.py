"""Widget bodies and the collection's path, for every test that makes widgets."""

WIDGETS = "/api/v1/widgets"


def widget_body(name: str = "my-widget", **fields) -> dict:
    return {"name": name, "info_url": "https://www.example.com/w", "deadline": "12/31/2030", **fields}
