"""The audit trail (R21): who did what, when, from where; hash-chained so tampering shows."""
