"""socialdash callbacks."""
