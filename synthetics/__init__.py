"""Synthetic checks of hello from outside its serving region."""
