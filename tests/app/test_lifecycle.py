"""Init in Lambda: the store connects at once, and again after every SnapStart restore."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import snapshot_restore_py

from chalicelib.lifecycle import prepare_in_lambda


class CountingStore:
    def __init__(self) -> None:
        self.connections = 0

    def connect(self) -> None:
        self.connections += 1


@pytest.fixture
def restore_hooks() -> Iterator[list]:
    registry = snapshot_restore_py.get_after_restore()
    saved = list(registry)
    registry.clear()
    yield registry
    registry[:] = saved


def test_connects_now_and_after_each_restore(restore_hooks: list) -> None:
    store = CountingStore()
    prepare_in_lambda(store)
    assert store.connections == 1
    assert restore_hooks == [(store.connect, (), {})]
    for function, args, kwargs in restore_hooks:  # as the runtime does after a restore
        function(*args, **kwargs)
    assert store.connections == 2


def test_without_the_runtimes_hooks_it_only_connects(
    restore_hooks: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as off Lambda
    store = CountingStore()
    prepare_in_lambda(store)
    assert store.connections == 1
    assert restore_hooks == []
