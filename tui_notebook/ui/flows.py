"""File flows of the app as a mixin: save (with the external-change question), quit with unsaved changes,
recovery on open, trusting a ``model_parsers.py``. The dialogs themselves are in ``dialogs.py``; files are
written only by ``Notebook.save`` and the recovery module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..notebook import ExternalChangeError

if TYPE_CHECKING:
    from .app import TuinbApp


class FileFlows:
    """Mixed into :class:`~tui_notebook.ui.app.TuinbApp`."""

    _quit_after_save = False

    # -- save ------------------------------------------------------------------------------------------------

    def action_save(self: "TuinbApp") -> None:
        if self.read_only:
            self.notify("Read-only notebook: not saved.", severity="warning")
            return
        self.view.flush_edits()
        if self.notebook.path is None:
            self._ask_save_as()
            return
        self._save(None, force=False)

    def action_save_as(self: "TuinbApp") -> None:
        """Write the notebook under a new name; editing goes on in that file (the old one stays as saved)."""
        if self.read_only:
            self.notify("Read-only notebook: not saved.", severity="warning")
            return
        self.view.flush_edits()
        self._ask_save_as()

    def _save(self: "TuinbApp", path: Path | None, *, force: bool) -> None:
        from .dialogs import ExternalChangeScreen

        try:
            written = self.notebook.save(path, force=force)
        except ExternalChangeError:
            self.push_screen(ExternalChangeScreen(self.notebook.path), self._on_external_choice)
            return
        except (OSError, ValueError) as exc:
            self._quit_after_save = False
            self.notify(f"Not saved: {exc}", severity="error", title="Save failed")
            return
        self._discard_recovery()
        self.notify(f"Saved {written}", timeout=2)
        self.header.refresh_header()
        if self._quit_after_save:
            self._close_notebook()

    def _on_external_choice(self: "TuinbApp", choice: str | None) -> None:
        if choice == "overwrite":
            self._save(None, force=True)
        elif choice == "reload":
            self._quit_after_save = False
            self.notebook.reload()
            self.notify("Reloaded from disk; your unsaved edits were dropped.", timeout=3)
        elif choice == "save_as":
            self._ask_save_as()
        else:
            self._quit_after_save = False

    def _ask_save_as(self: "TuinbApp") -> None:
        from .dialogs import SaveAsScreen

        default = self.notebook.path or Path.cwd() / "untitled.aiconfig.json"
        self.push_screen(SaveAsScreen(default), self._on_save_as)

    def _on_save_as(self: "TuinbApp", path: Path | None) -> None:
        if path is None:
            self._quit_after_save = False
            return
        self._save(Path(path), force=False)

    def _discard_recovery(self: "TuinbApp") -> None:
        if self.autosaver is not None:
            try:
                self.autosaver.discard()
            except Exception:  # noqa: BLE001 - recovery is best effort; saving already succeeded
                pass

    # -- quit ------------------------------------------------------------------------------------------------

    async def action_quit(self: "TuinbApp") -> None:
        from .dialogs import QuitScreen

        self.view.flush_edits()
        if self.notebook.dirty and not self.read_only:
            self.push_screen(QuitScreen(), self._on_quit_choice)
        else:
            self._close_notebook()

    def _on_quit_choice(self: "TuinbApp", choice: str | None) -> None:
        if choice == "save":
            self._quit_after_save = True
            self.action_save()
        elif choice == "discard":
            self._discard_recovery()
            self._close_notebook()

    def _close_notebook(self: "TuinbApp") -> None:
        self.runs.cancel_all()
        self.exit(0)

    # -- on open ---------------------------------------------------------------------------------------------

    def offer_recovery(self: "TuinbApp") -> None:
        if self.read_only:
            return
        try:
            from ..recovery import find_recovery, ignored_legacy_file

            info = find_recovery(self.notebook.path)
            legacy = ignored_legacy_file(self.notebook.path)
        except Exception:  # noqa: BLE001 - no recovery module yet, or an unreadable file: open normally
            return
        if legacy is not None:
            self.notify(f"Ignored {legacy.name} beside the notebook: recovery files are only read from your own "
                        f"data folder. If it holds your unsaved work from an older tuinb, open it with: "
                        f"tuinb {legacy}", severity="warning", timeout=10)
        if info is None:
            return
        from .dialogs import RecoveryScreen

        self.push_screen(RecoveryScreen(info), lambda choice: self._on_recovery_choice(choice, info))

    def _on_recovery_choice(self: "TuinbApp", choice: str | None, info) -> None:  # noqa: ANN001
        from .. import recovery

        if choice == "restore":
            recovery.restore(self.notebook, info)
            self.notify("Restored unsaved edits from the recovery file. Save to keep them.", timeout=4)
        else:
            self._discard_recovery()

    def offer_demo_reset(self: "TuinbApp", reset: Callable[[], object]) -> None:
        """Ask before ``tuinb demo --reset`` writes over the demo notebook the user may have edited."""
        from .dialogs import ResetDemoScreen

        self.push_screen(ResetDemoScreen(self.notebook.path), lambda ok: self._on_demo_reset(ok, reset))

    def _on_demo_reset(self: "TuinbApp", ok: bool | None, reset: Callable[[], object]) -> None:
        if not ok:
            self.notify("Kept the demo notebook as you left it.", timeout=3)
            return
        try:
            reset()
        except OSError as exc:
            self.notify(f"Not reset: {exc}", severity="error", title="Reset failed")
            return
        self._discard_recovery()
        self.notebook.reload()
        self.notify("The demo notebook was written afresh.", timeout=3)

    def offer_trust(self: "TuinbApp", path: Path) -> None:
        from ..plugins import file_hash
        from .dialogs import TrustScreen

        try:
            digest = file_hash(path)
        except OSError as exc:
            self.notify(f"cannot read {path}: {exc.strerror or exc}", severity="error", timeout=4)
            return
        self.push_screen(TrustScreen(path, digest), lambda ok: self._on_trust(ok, path, digest))

    def _on_trust(self: "TuinbApp", ok: bool | None, path: Path, digest: str | None = None) -> None:
        from ..plugins import load_parsers

        if not ok:
            self.notify(f"{path.name} was not run; cells that need its parsers cannot run.", timeout=4)
            return
        # Trust goes to the bytes the dialog showed the hash of, not to whatever the file holds now.
        status = load_parsers(path, self.notebook.registry, trusted_now=True, approved_sha256=digest)
        self.notify(status.explain(), severity="error" if status.error else "information", timeout=4)
        self.view.request_sync()
