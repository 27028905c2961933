"""Offline declarations, their review, spot checks and the integrity archive (诚信档案)."""
