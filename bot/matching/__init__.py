"""Matching: a question in, a decision out (answer, suggest or decline)."""
