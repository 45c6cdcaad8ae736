"""Rewriting a YAML file the way its author wrote it (bot/knowledge/roundtrip/edit.py)."""
