"""The ``faemban`` command. A deployable of its own (it composes all five
services into one process), so it lives under deploy/ and no service imports it."""
