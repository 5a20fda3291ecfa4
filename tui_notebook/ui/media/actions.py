"""App-level media commands, mixed into ``TuinbApp``: view a cell's media, edit its attachments, export,
and the outside-folder confirmation the engine asks for before a remote run.

Key table rows (``keys.py``) call these as ``app.<action>`` from the notebook column, so they appear in the
footer/help/palette like every other command.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from pathlib import Path
from typing import Any


class MediaActions:
    """Mixin for the App (expects ``self.notebook``, ``self.view``, ``self.read_only``, ``self.graphics``)."""

    def on_mount(self) -> None:  # Textual calls every class's on_mount along the MRO, so this adds, not replaces
        self._outside_ok: set[str] = set()
        self.notebook.options.confirm_outside_files = self.confirm_outside_files

    # -- viewer ---------------------------------------------------------------------------------------------

    def action_view_media(self) -> None:
        from ...media.items import prompt_media
        from .image_viewer import MediaViewerScreen

        prompt = self.view.current_prompt()
        if prompt is None:
            self.notify("No cell here: press b to add one.")
            return
        with self.notebook.lock:
            refs = prompt_media(prompt)
        if not refs:
            self.notify(f"{prompt.name!r} has no images or audio.")
            return
        start = next((i for i, r in enumerate(refs) if r.origin == "output"), 0)
        self.push_screen(MediaViewerScreen(prompt.name, refs, self.notebook.folder, start,
                                           renderer=None))

    # -- attachments ----------------------------------------------------------------------------------------

    def action_attachments(self) -> None:
        from .attachments_screen import AttachmentsScreen

        prompt = self.view.current_prompt()
        if prompt is None:
            self.notify("No cell here: press b to add one.")
            return
        self.push_screen(AttachmentsScreen(prompt))

    # -- export ---------------------------------------------------------------------------------------------

    def action_export_notebook(self) -> None:
        from .media_dialogs import ExportChoiceScreen, PathInputScreen

        def pick_path(fmt: str | None) -> None:
            if not fmt:
                return
            from ...media.export import default_output

            default = default_output(self.notebook.path, fmt)  # type: ignore[arg-type]
            self.push_screen(PathInputScreen(f"Export as {'HTML' if fmt == 'html' else 'Markdown'}",
                                             "Write the read-only copy to:", str(default), self.notebook.folder,
                                             ok="Export"),
                             lambda result: result and self._export(fmt, result[0]))

        self.push_screen(ExportChoiceScreen("Export", "A read-only copy with prompts, parameters and outputs."),
                         pick_path)

    def _export(self, fmt: str, target: str) -> None:
        path = Path(target).expanduser()
        if not path.is_absolute():
            path = self.notebook.folder / path

        def work() -> None:
            from ...media.export import export_notebook

            try:
                written = export_notebook(self.notebook, fmt, path)  # type: ignore[arg-type]
            except OSError as exc:
                self.call_from_thread(self.notify, f"Export failed: {exc}", severity="error")
                return
            self.call_from_thread(self.notify, f"Exported to {written}")

        self.run_worker(work, thread=True, group="export")

    # -- privacy: local files outside the notebook's folder -------------------------------------------------

    def confirm_outside_files(self, cell_name: str, paths: list[Path]) -> bool:
        """Called by the engine from a run's thread; blocks that thread (never the UI) until the user answers.
        A yes is remembered for this session, per file."""
        wanted = [str(p) for p in paths]
        if all(p in self._outside_ok for p in wanted):
            return True
        if threading.get_ident() == getattr(self, "_thread_id", None):
            return False  # on the UI thread we cannot wait for a dialog; refuse rather than hang
        from ..dialogs import ConfirmScreen
        from ..safe_text import markup

        answer: concurrent.futures.Future[bool] = concurrent.futures.Future()
        message = markup("Cell [b]$cell[/b] runs on a remote endpoint and would upload:\n$files\n\n"
                         "These files are outside the notebook's folder. Send them?",
                         cell=cell_name, files="\n".join(f"  {p}" for p in wanted))

        def ask() -> None:
            self.push_screen(ConfirmScreen("Upload files from outside the notebook?", message),
                             lambda ok: answer.set_result(bool(ok)))

        try:
            self.call_from_thread(ask)
        except RuntimeError:  # the app is shutting down
            return False
        while not answer.done():
            if not self.is_running:
                return False
            time.sleep(0.05)
        if answer.result():
            self._outside_ok.update(wanted)
            return True
        return False

    def _media_state(self) -> dict[str, Any]:  # for tests and doctor-like introspection
        return {"outside_ok": sorted(self._outside_ok)}
