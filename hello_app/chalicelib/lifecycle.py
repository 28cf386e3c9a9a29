"""What a deployed function does during init: connect to DynamoDB now, and again after a
SnapStart restore, through the runtime's own hooks."""

from __future__ import annotations

from typing import Any, Protocol


class Connectable(Protocol):
    def connect(self) -> None: ...


def prepare_in_lambda(store: Connectable) -> None:
    """The client is created here, in init: what SnapStart snapshots and provisioned
    concurrency pre-pays, instead of the first user's request. After a restore it is created
    again, so no connection or credential from the snapshot outlives it."""
    store.connect()
    hooks = _runtime_hooks()
    if hooks is not None:
        hooks.register_after_restore(store.connect)


def _runtime_hooks() -> Any:
    # The Lambda Python runtime (3.12+) ships snapshot_restore_py; it is not in the zip.
    try:
        # Annotated, but without py.typed: its sources are read for the types all the same.
        import snapshot_restore_py  # pyright: ignore[reportMissingTypeStubs]
    except ImportError:
        return None
    return snapshot_restore_py
