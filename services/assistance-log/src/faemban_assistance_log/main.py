"""ASGI entrypoint of assistance-log as its own process."""

from faemban_assistance_log.service import SPEC
from faemban_domain.platform.service import create_service_app

app = create_service_app(SPEC)
