"""Entities, the eligibility rules and the independent check of a result."""
