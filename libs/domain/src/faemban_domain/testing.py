"""Helpers for tests of asynchronous delivery (used by every suite)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from faemban_domain.eventsourcing.consumer import ConsumerRunner


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float = 60.0, what: str = "condition"
) -> None:
    """Poll until ``check`` holds (a deadline for asynchronous delivery, not a speed claim)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if await check():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f}s")
        await asyncio.sleep(0.1)


class Running:
    """A consumer runner in a background task, stoppable like a process."""

    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(runner.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        try:
            await asyncio.wait_for(self.task, 30)
        except TimeoutError:
            self.task.cancel()
