"""socialdash pages."""
