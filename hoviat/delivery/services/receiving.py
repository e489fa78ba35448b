"""Delivery services: receiving."""

__all__: list[str] = []
