"""A request's loaders seen by the planned executor: answering only what they already hold.

The planned executor (api.graph.executor) calls a loader-backed field's own resolver with
these loaders: a value the loader holds comes back at once, as the resolver would give it;
one it would have to load stops the resolver with NotLoaded before anything is queued, and
the field goes the standard way (the real loaders, an awaitable, a batch).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from api.graph.loaders import Loaded, Loaders, SharedLoader


class NotLoaded(Exception):
    """The value is not in the loader yet: the planned path gives the field up."""


class _Peeking:
    """One loader, peek only."""

    __slots__ = ("_loader",)

    def __init__(self, loader: SharedLoader[Any, Any]) -> None:
        self._loader = loader

    def peek(self, key: Hashable) -> Loaded[Any] | None:
        return self._loader.peek(key)

    def load(self, key: Hashable) -> Any:
        raise NotLoaded


class PeekOnly:
    """`loaders` (kept as `of`), each of its loaders peek only; anything else refused."""

    def __init__(self, loaders: Loaders) -> None:
        self.of = loaders
        self._peeking: dict[str, _Peeking] = {}

    def __getattr__(self, name: str) -> _Peeking:
        peeking = self._peeking.get(name)
        if peeking is None:
            loader = getattr(self.of, name)
            if not isinstance(loader, SharedLoader):
                raise NotLoaded  # a method that reads (a page): never from the planned path
            peeking = self._peeking[name] = _Peeking(loader)
        return peeking
