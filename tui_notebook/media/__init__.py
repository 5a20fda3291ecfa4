"""Media outside the UI: reading images/audio of cells, saving and opening them, playing audio, attachments,
export to HTML/Markdown and Hugging Face Space folders.

Nothing here imports Textual: the terminal UI calls these functions (the UI itself never writes files), and
so do the ``tuinb export`` / ``tuinb space`` commands.
"""
