"""Delivery services: handover."""

__all__: list[str] = []
