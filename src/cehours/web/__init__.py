"""Server-rendered Chinese pages: login, own hours, people search, compliance and eligibility."""
