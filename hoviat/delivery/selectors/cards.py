"""Delivery reads: cards."""

__all__: list[str] = []
