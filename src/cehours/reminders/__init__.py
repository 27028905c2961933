"""Reminders: people behind for the year are told, on dates city HR sets, in-app and by email."""
