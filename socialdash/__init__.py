"""socialdash: cluster a team's social-media posts and explain what each kind of post does."""

__version__ = "0.1.0"
