"""Modules imported when first used, not when the module naming them is.

Validating a CSV return needs neither Arrow nor NumPy: DuckDB reads the files and writes the
reports. The readers and the result model it passes through use them for everything else
(workbooks, XML, the census, tests), and importing them would add a third of a second to
every validation, a tenth of a large LA's. Those modules name them with :func:`deferred`
instead of ``import``::

    pa = deferred("pyarrow")   # imported on the first pa.<attribute> read
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


class _Deferred(ModuleType):
    """Stands for a module until one of its attributes is read, then takes on its contents."""

    def __getattr__(self, attribute: str):
        module = importlib.import_module(self.__name__)
        # Later reads find the module's names here, without coming back through this method.
        self.__dict__.update(module.__dict__)
        return getattr(module, attribute)


def deferred(name: str) -> ModuleType:
    """The module ``name`` if it is already imported, else a stand-in that imports it on first use."""
    return sys.modules.get(name) or _Deferred(name)
