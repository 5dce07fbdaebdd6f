# syntax=docker/dockerfile:1
# rollback-bot: `docker build -t rollback-bot .`, then run with the settings in the
# environment (README.md, "Settings"). Serves Slack on :3000, /healthz and /readyz.

# Build stage: install the bot and its dependencies into a virtualenv. Nothing from
# this stage ships but /opt/venv.
FROM python:3.11.13-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN /opt/venv/bin/pip install --no-cache-dir . \
 && /opt/venv/bin/pip uninstall --yes pip

# Final stage: the same slim base (same Python path, so the venv works), the venv,
# an unprivileged numeric user (so Kubernetes' runAsNonRoot can check it).
FROM python:3.11.13-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --gid 10001 bot \
 && useradd --uid 10001 --gid 10001 --no-log-init --create-home --shell /usr/sbin/nologin bot
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /home/bot
EXPOSE 3000
# uvicorn finishes in-flight requests and the bot awaits its tasks on SIGTERM.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:3000/healthz', timeout=2).status != 200)"]
CMD ["rollback-bot", "serve", "--host", "0.0.0.0", "--port", "3000"]
