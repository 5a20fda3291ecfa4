"""Small modal dialogs: confirm, quit with unsaved changes, external change, save as, recovery, trust."""

from __future__ import annotations

from pathlib import Path

from textual.screen import ModalScreen


class ConfirmScreen(ModalScreen[bool]):
    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message


class QuitScreen(ModalScreen[str]):
    """Result: ``"save"``, ``"discard"`` or ``"cancel"``."""


class ExternalChangeScreen(ModalScreen[str]):
    """Result: ``"overwrite"``, ``"reload"``, ``"save_as"`` or ``"cancel"``."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path


class SaveAsScreen(ModalScreen["Path | None"]):
    def __init__(self, default: Path) -> None:
        super().__init__()
        self.default = default


class RecoveryScreen(ModalScreen[str]):
    """Result: ``"restore"`` or ``"discard"``."""

    def __init__(self, info) -> None:  # noqa: ANN001 - RecoveryInfo
        super().__init__()
        self.info = info


class TrustScreen(ModalScreen[bool]):
    def __init__(self, path: Path, sha256: str) -> None:
        super().__init__()
        self.path = path
        self.sha256 = sha256
