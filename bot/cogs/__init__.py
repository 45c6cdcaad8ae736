"""Discord adapters: one module per feature. They translate, the core decides."""
