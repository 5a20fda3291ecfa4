"""SVG snapshots of the sidebar and the model picker (fixed size, no cursor blink, test parsers only,
so the pictures change only when the panels do). Update with ``pytest --snapshot-update`` after
inspecting the report."""

from __future__ import annotations

from panel_kit import HostApp, make_notebook, make_registry, no_cursor_blink  # noqa: F401
from textual.widgets import Input, TextArea

from tui_notebook.ui.model_picker import ModelPickerScreen
from tui_notebook.ui.sidebar import CellSidebar


async def _steady(pilot) -> None:  # noqa: ANN001
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await pilot.pause()


def test_sidebar_settings_tab(snap_compare) -> None:  # noqa: ANN001
    notebook = make_notebook()
    notebook.set_setting(0, "temperature", 0.7)
    notebook.set_setting(0, "stop_sequences", ["###"])
    app = HostApp(CellSidebar(notebook, notebook.prompt("ask")))
    assert snap_compare(app, terminal_size=(60, 50), run_before=_steady)


def test_sidebar_resolved_tab_with_escaping_warning(snap_compare) -> None:  # noqa: ANN001
    notebook = make_notebook()
    notebook.set_parameter("topic", "<cats & dogs>", prompt=0)

    async def show_resolved(pilot) -> None:  # noqa: ANN001
        pilot.app.query_one(CellSidebar).show_tab("resolved")
        await _steady(pilot)

    app = HostApp(CellSidebar(notebook, notebook.prompt("ask")))
    assert snap_compare(app, terminal_size=(60, 24), run_before=show_resolved)


def test_model_picker_filtered(snap_compare) -> None:  # noqa: ANN001
    app = HostApp(screen=ModelPickerScreen(make_registry(), "Form Test"))
    assert snap_compare(app, terminal_size=(100, 30), press=["t", "e", "s", "t"], run_before=_steady)


def test_model_picker_all(snap_compare) -> None:  # noqa: ANN001
    app = HostApp(screen=ModelPickerScreen(make_registry(), "BareParser"))
    assert snap_compare(app, terminal_size=(100, 30), run_before=_steady)


def test_global_model_settings(snap_compare) -> None:  # noqa: ANN001
    from tui_notebook.ui.global_models import GlobalModelsScreen

    notebook = make_notebook()
    notebook.doc.metadata.models = {"Form Test": {"temperature": 0.3, "stop_sequences": ["###"]},
                                    "BareParser": {"x": 1}}
    notebook.doc.metadata.default_model = "Form Test"
    app = HostApp(screen=GlobalModelsScreen(notebook))
    assert snap_compare(app, terminal_size=(110, 40), run_before=_steady)
