"""create_app(settings) -> Dash: the only place that wires everything together."""
