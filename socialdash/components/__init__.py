"""socialdash components."""
