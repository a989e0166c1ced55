"""gunicorn settings for socialdash (``make run``): bind from SOCIALDASH_HOST/PORT, 2 workers, no preload.

No preload: scikit-learn/OpenMP must not be initialised before the fork."""

import os

wsgi_app = "socialdash.wsgi:server"
bind = f"{os.environ.get('SOCIALDASH_HOST', '127.0.0.1')}:{os.environ.get('SOCIALDASH_PORT', '8050')}"
workers = int(os.environ.get("SOCIALDASH_WORKERS", "2"))
preload_app = False
timeout = int(os.environ.get("SOCIALDASH_TIMEOUT", "120"))
accesslog = "-"
errorlog = "-"
# gunicorn 27 opens a control socket at one fixed path per user; two instances on a machine would clash.
control_socket_disable = True
