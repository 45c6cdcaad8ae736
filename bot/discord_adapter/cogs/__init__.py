"""Discord features, one extension each. A cog never imports another cog."""
