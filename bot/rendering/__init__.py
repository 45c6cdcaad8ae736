"""Rendering shared by both adapters: reply text, usage reports, charts."""
