# Notecast in a container. compose.yaml runs it (README: "Run it in a container"):
#   docker compose up -d && docker compose run --rm sync-commands
# or by hand:
#   docker build -t notecast .
#   docker run -d --name notecast --restart unless-stopped \
#       -e DISCORD_TOKEN_FILE=/run/secrets/discord_token -v "$PWD/secrets:/run/secrets:ro" \
#       -v /path/to/vault:/vault:ro -v notecast-data:/data notecast
#
# The vault is mounted read-only at /vault; the notes cache and the state database live on
# the /data volume. tests/deploy/test_installed_wheel.py installs the wheel into a fresh venv
# exactly as the builder stage does (the lock file with --no-deps, then the wheel with
# --no-deps, then pip check) and runs the same entry point and health check as this image.

# ---- builder: the lock file's dependencies, then Notecast's wheel, in a venv ----
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/notecast
WORKDIR /src

# The dependencies first, in their own layer: rebuilt only when the lock file changes.
# The lock holds every package with its hashes, so nothing else can come in.
COPY requirements.lock ./
RUN /opt/notecast/bin/pip install --no-cache-dir --no-deps --require-hashes -r requirements.lock

# Then Notecast itself: a wheel, installed without dependencies (the lock has them all),
# and a check that the lock satisfies every requirement of the wheel.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN /opt/notecast/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && /opt/notecast/bin/pip install --no-cache-dir --no-deps /wheels/notecast-*.whl \
    && /opt/notecast/bin/pip check

# ---- runtime: the slim image with the venv, tini, and a numeric non-root user ----
FROM python:3.11-slim AS runtime

# tini is PID 1: it hands docker stop's SIGTERM to the bot (which stops cleanly on it)
# and reaps the parse workers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini=0.19.* \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 notecast \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin notecast \
    && mkdir -p /data /vault \
    && chown 10001:10001 /data

COPY --from=builder /opt/notecast /opt/notecast

ENV PATH=/opt/notecast/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NOTECAST_NOTES_DIR=/vault \
    NOTECAST_DB=/data/notecast.db \
    NOTECAST_STATE_DB=/data/notecast-state.db \
    NOTECAST_OPS_PORT=8765

# Settings come from the environment; a settings file mounted at
# /app/config/notecast.toml (or named by NOTECAST_CONFIG) is read too.
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]

# The bot answers GET http://127.0.0.1:8765/health (NOTECAST_OPS_PORT) from inside the
# container only; `notecast health` asks it and prints one line: exit 0 when the bot is
# connected to Discord and its cache synced, 1 when it is not, 2 when no bot answers,
# which Docker reserves: `|| exit 1` makes every failure "unhealthy". A first start builds
# the cache of a large vault (about 15 s on two cores): the start period allows for it.
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["/bin/sh", "-c", "notecast health || exit 1"]

# The bot stops within a second on SIGTERM (exit code 143); docker stop waits 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "notecast"]
CMD ["run"]
