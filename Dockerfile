# socialdash web image (also runs the Celery worker: `socialdash worker`). Build: docker build -t socialdash .
# The install step is scripts/install.sh, the same pip command (constraints.txt) that `make setup` / `make test`
# run — there with --dev (editable, test extras), here the app only. tests/test_production_docker.py checks it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SOCIALDASH_ENV=production \
    SOCIALDASH_HOST=0.0.0.0 \
    SOCIALDASH_PORT=8050 \
    SOCIALDASH_DATA_DIR=/var/lib/socialdash/data \
    SOCIALDASH_CACHE_DIR=/var/lib/socialdash/cache

WORKDIR /app
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY scripts/install.sh ./scripts/install.sh
COPY socialdash ./socialdash
RUN sh scripts/install.sh \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/socialdash --create-home socialdash \
 && mkdir -p /var/lib/socialdash/data /var/lib/socialdash/cache \
 && chown -R socialdash:socialdash /var/lib/socialdash
COPY gunicorn.conf.py ./

USER socialdash
VOLUME ["/var/lib/socialdash"]
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SOCIALDASH_PORT', '8050'), timeout=4)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
