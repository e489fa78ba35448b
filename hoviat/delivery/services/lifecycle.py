"""Delivery services: lifecycle."""

__all__: list[str] = []
