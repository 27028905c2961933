"""Accounts, grants (role, level, scope), personal API tokens and the one `visible_to` path."""
