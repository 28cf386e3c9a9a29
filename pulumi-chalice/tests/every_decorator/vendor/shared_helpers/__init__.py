"""Vendored code: it makes the managed layer non-empty without downloading anything."""
