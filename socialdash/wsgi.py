"""What gunicorn serves: ``gunicorn socialdash.wsgi:server`` (settings from SOCIALDASH_* variables)."""

from socialdash.app import create_app

app = create_app()
server = app.server
