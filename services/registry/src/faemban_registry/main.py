"""ASGI entrypoint of registry as its own process."""

from faemban_domain.platform.service import create_service_app
from faemban_registry.service import SPEC

app = create_service_app(SPEC)
