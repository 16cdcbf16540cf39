"""ASGI app of the embedded mode: ``uvicorn faemban_cli.embedded:app``."""

from faemban_cli.specs import ALL
from faemban_domain.platform.service import create_app

app = create_app(list(ALL), embedded=True, title="Faemban (embedded)")
