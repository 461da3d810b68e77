"""A griffe extension for the API reference: special members (``__doc__``, ``__module__``, ``__dict__``, ...)
that inspecting a class turns up are not part of deepmine's API, so they are left out of the pages.
``__init__`` stays: its signature and parameters are merged into the class's."""

from __future__ import annotations

import griffe

_KEEP = {"__init__", "__call__"}


class HideSpecialMembers(griffe.Extension):
    def _prune(self, obj) -> None:
        for name in list(obj.members):
            if name.startswith("__") and name.endswith("__") and name not in _KEEP:
                obj.del_member(name)

    def on_class_members(self, *, cls: griffe.Class, **kwargs) -> None:
        self._prune(cls)

    def on_module_members(self, *, mod: griffe.Module, **kwargs) -> None:
        self._prune(mod)
