"""Delivery writes. Each module owns one concern; names are re-exported here."""
