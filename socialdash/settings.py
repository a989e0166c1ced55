"""Typed settings from SOCIALDASH_* environment variables."""
