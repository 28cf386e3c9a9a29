"""Pulumi ComponentResources for the hello service; one class per module."""
