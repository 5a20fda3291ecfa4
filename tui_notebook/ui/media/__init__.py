"""Media in the terminal UI: graphics detection, inline image / audio previews, the full-screen viewer,
attachment and export dialogs. File I/O is delegated to :mod:`tui_notebook.media`."""
