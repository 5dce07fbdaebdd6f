# syntax=docker/dockerfile:1
# Build stage: compile wheels with the tools a build needs, none of which ship.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --upgrade pip==24.3.1 \
 && pip wheel --no-cache-dir --wheel-dir /wheels .

# Final stage: the wheels only, run as an unprivileged user.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 bot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels do-rollback-bot \
 && rm -rf /wheels
USER bot
WORKDIR /home/bot
EXPOSE 3000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2).status == 200 else 1)"]
CMD ["rollback-bot", "serve", "--host", "0.0.0.0", "--port", "3000"]
