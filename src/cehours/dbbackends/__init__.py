"""Database backends: Django's own, with `flush` aware of the ledger's append-only triggers."""
