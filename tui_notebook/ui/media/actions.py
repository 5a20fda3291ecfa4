"""App-level media commands, mixed into ``TuinbApp``: view a cell's media, edit its attachments, export.
(The outside-folder confirmation is a run outcome now, asked by ``ui/runs.py`` with ``ui/consent_dialog.py``.)

Key table rows (``keys.py``) call these as ``app.<action>`` from the notebook column, so they appear in the
footer/help/palette like every other command.
"""

from __future__ import annotations

from pathlib import Path


class MediaActions:
    """Mixin for the App (expects ``self.notebook``, ``self.view``, ``self.read_only``, ``self.graphics``)."""

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
