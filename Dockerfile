# A small image that runs the registry as a non-root user and applies migrations at start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HERITAGE_DATABASE_URL=sqlite:////var/lib/heritage/heritage.db \
    HERITAGE_MEDIA_ROOT=/var/lib/heritage/media \
    HERITAGE_SESSION_SECRET_FILE=/var/lib/heritage/session-secret \
    HERITAGE_RESUMABLE_UPLOADS_DIR=/var/lib/heritage/uploads

WORKDIR /srv/heritage
COPY pyproject.toml constraints.txt README.md ./
COPY app ./app
COPY migrations ./migrations
RUN pip install -c constraints.txt . \
    && useradd --system --uid 10001 --home-dir /var/lib/heritage --create-home heritage

USER heritage
VOLUME ["/var/lib/heritage"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "heritage-registry migrate && exec heritage-registry serve --host 0.0.0.0 --port 8000 --workers ${HERITAGE_WORKERS:-2}"]
