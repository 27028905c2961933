"""Persons, units, organisations and the counties of Lishui."""
