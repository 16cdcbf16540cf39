"""Sampled contract checks of events a service builds from its own computation.

An event built by code from values the domain computed (the assessment's ``Assessed``) is
put together without pydantic validating it (``model_construct``): re-checking every
household's result against the contract cost a tenth of the assessment consumer's CPU at
national scale (docs/benchmarks.md). The contract still holds by test and by sample: the
first event of each kind a process builds, and one in ``every`` after it, is validated in
full; a failure is raised where the event was built, so the batch fails and goes to the
dead-letter topic like any event that cannot be handled. The tests check every event
(``FAEMBAN_CONTRACT_CHECK_EVERY=1``).
"""

from __future__ import annotations

from pydantic import BaseModel


class SampledCheck:
    """Which built events to validate: per kind, the first and one in ``every``."""

    def __init__(self, every: int = 1) -> None:
        self.every = every
        self._built: dict[str, int] = {}

    def due(self, kind: str) -> bool:
        n = self._built.get(kind, 0)
        self._built[kind] = n + 1
        return n % self.every == 0

    def check(self, event: BaseModel) -> None:
        """Validate a constructed event in full when its turn comes (ValidationError if its
        contract does not hold)."""
        model = type(event)
        if self.due(model.__name__):
            model.model_validate(event.model_dump())


contract_checks = SampledCheck()
"""The process's sampler; the platform sets ``every`` from ``FAEMBAN_CONTRACT_CHECK_EVERY``."""
