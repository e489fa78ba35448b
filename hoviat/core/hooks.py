"""The one way a later stage extends an earlier one: named hooks.

An earlier app declares a hook where it needs a later stage's help (a name, and the keyword
arguments it passes); a later app registers its implementation from its `AppConfig.ready()`;
the earlier app calls the hook. The earlier app never imports the later one, nothing is
registered by importing a module for its side effects, and `hooks_described()` lists every
hook with what is registered on it (docs/architecture.md shows the list).

    # hoviat/applications/hooks.py (the earlier app)
    application_paid = Hook("application_paid", "an application was paid (after commit)")

    # hoviat/delivery/apps.py (the later app)
    def ready(self):
        application_paid.register(release_if_prepared)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_HOOKS: dict[str, Hook] = {}


class Hook:
    """A named extension point: implementations are called in the order of INSTALLED_APPS
    (the order their `ready()` ran), each keyed by a name so registering twice is harmless."""

    def __init__(self, name: str, doc: str) -> None:
        if name in _HOOKS:
            raise ValueError(f"hook {name!r} is declared twice")
        self.name = name
        self.doc = doc
        self._impls: dict[str, Callable[..., Any]] = {}
        _HOOKS[name] = self

    def register(self, fn: Callable[..., Any], *, key: str | None = None) -> None:
        self._impls[key or f"{fn.__module__}.{fn.__qualname__}"] = fn

    def implementations(self) -> dict[str, Callable[..., Any]]:
        return dict(self._impls)

    def call(self, **kwargs: Any) -> list[Any]:
        """Every implementation's answer, in registration order."""
        return [fn(**kwargs) for fn in self._impls.values()]

    def first(self, **kwargs: Any) -> Any:
        """The first answer that is not None (a later stage that knows better), or None."""
        for fn in self._impls.values():
            answer = fn(**kwargs)
            if answer is not None:
                return answer
        return None

    def by_key(self, **kwargs: Any) -> dict[str, Any]:
        """Each implementation's answer under its key."""
        return {key: fn(**kwargs) for key, fn in self._impls.items()}

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, {len(self._impls)} registered)"


def hooks_described() -> list[tuple[str, str, list[str]]]:
    """(name, what it is for, keys registered) of every declared hook."""
    return [(h.name, h.doc, list(h._impls)) for h in sorted(_HOOKS.values(), key=lambda h: h.name)]
