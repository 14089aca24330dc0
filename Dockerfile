# Notecast in a container: the vault mounted read-only at /vault, the cache on a volume.
#   docker build -t notecast .
#   docker run -d --name notecast --env-file .env \
#       -v /path/to/vault:/vault:ro -v notecast-data:/data notecast
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    NOTECAST_NOTES_DIR=/vault \
    NOTECAST_DB=/data/notecast.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY config ./config
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data notecast \
    && mkdir -p /data /vault && chown notecast /data

USER notecast
VOLUME ["/data"]
# The settings file is read from /app/config/notecast.toml; environment variables win.
CMD ["notecast", "run"]
