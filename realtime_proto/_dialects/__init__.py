"""Wire dialects: each maps wire dicts to the shared typed events and commands, and back."""
