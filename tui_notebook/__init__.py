"""tuinb: a terminal notebook for AI prompts (AIConfig files), keyboard first.

``from tui_notebook import Notebook`` is the Python API; it imports nothing heavy.
"""

from __future__ import annotations

import os as _os

from ._version import __version__

# In a source checkout that was not installed, ``parsers/`` and ``themes/`` sit beside this package instead of
# inside it (installs map them to ``tui_notebook.parsers`` / ``tui_notebook.themes``). Let the package find
# them there too, so running from a checkout behaves like the installed package.
_here = _os.path.dirname(__file__)
_root = _os.path.dirname(_here)
if not _os.path.isdir(_os.path.join(_here, "parsers")) and _os.path.isfile(
    _os.path.join(_root, "parsers", "__init__.py")
):
    __path__.append(_root)  # type: ignore[name-defined]  # noqa: F821

__all__ = ["Notebook", "__version__"]


def __getattr__(name: str):  # lazy, so `import tui_notebook` stays cheap
    if name == "Notebook":
        from .notebook import Notebook

        return Notebook
    raise AttributeError(name)
