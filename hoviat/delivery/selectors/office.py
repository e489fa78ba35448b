"""Delivery reads: office."""

__all__: list[str] = []
