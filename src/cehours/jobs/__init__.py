"""Background jobs: long exports run by a worker (Django's Tasks API), their progress and files."""
