"""Posts in other languages than English: told apart, and read by a multilingual model."""
