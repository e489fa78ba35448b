"""Delivery services: notices."""

__all__: list[str] = []
