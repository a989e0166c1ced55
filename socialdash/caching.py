"""Memoized facades over services (the only module that touches flask-caching)."""
