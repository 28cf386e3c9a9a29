"""The hello stack's own pieces: its settings and its alarm table, composed by __main__.py."""
