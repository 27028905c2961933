"""The credit-hour ledger: append-only entries, per person-year totals, compliance."""
