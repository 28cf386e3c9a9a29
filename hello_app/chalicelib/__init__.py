"""Application code for the hello API; only this package and app.py are deployed."""
