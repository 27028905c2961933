"""Operations: the field key's fingerprint and rotation, encrypted evidence storage, backup and restore."""
