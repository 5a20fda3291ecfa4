"""The Textual terminal UI. Observes a Notebook and sends it commands; never runs models or touches files."""
