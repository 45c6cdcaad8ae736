"""Replies and persistent views that cogs share; no cog is imported here."""
