"""The terminal adapter: `python -m bot` commands and the console."""
