"""Delivery fixtures are kept in per-concern modules and gathered here."""
