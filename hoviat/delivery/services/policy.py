"""Delivery services: policy."""

__all__: list[str] = []
