"""Built-in model parsers (installed as ``tui_notebook.parsers``).

Importing this package must stay cheap: parser modules import torch, transformers, diffusers and the
inference client only inside ``run``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_notebook.registry import ParserRegistry


def register_builtin(registry: "ParserRegistry") -> None:
    from . import huggingface, sdk_compat

    sdk_compat.register(registry)
    huggingface.register(registry)
