"""The Discord adapter: the client, shared replies and views, and the cogs above them."""
