"""Component ids, grouped by page."""
