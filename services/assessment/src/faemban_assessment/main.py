"""ASGI entrypoint of assessment as its own process."""

from faemban_assessment.service import SPEC
from faemban_domain.platform.service import create_service_app

app = create_service_app(SPEC)
