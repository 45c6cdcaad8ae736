"""The knowledge base: entries, their validation, files on disk and the store that changes them."""
