# syntax=docker/dockerfile:1.7
# declarations: DOMINO-NG declarations (HTTP API, outbox relay, taxcalc.events consumer).
# Build from the repository root (the context holds the workspace and its uv.lock):
#   docker build -f deploy/docker/declarations.Dockerfile -t octroi/declarations .
# The five Dockerfiles (four services and the portal) share one recipe and the same pinned base
# images, so their dependency layers are built once and shared; they differ only in the service's
# name, port and the block marked service-specific, and the portal also in the data it copies and
# its settings (tests/deploy keeps them in step).

ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

# ---- build: a virtual environment with the service and its locked dependencies ----------------
FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Third-party dependencies first, from uv.lock alone: this layer is rebuilt only when the lock
# or a pyproject changes. --locked fails the build if uv.lock is out of date.
COPY pyproject.toml uv.lock ./
COPY contracts/pyproject.toml contracts/
COPY chassis/pyproject.toml chassis/
COPY services/declarations/pyproject.toml services/declarations/
COPY services/taxcalc/pyproject.toml services/taxcalc/
COPY services/essoc/pyproject.toml services/essoc/
COPY services/notifier/pyproject.toml services/notifier/
COPY services/portal/pyproject.toml services/portal/
COPY deploy/local/pyproject.toml deploy/local/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-install-workspace --package declarations
# Then our own packages, installed as wheels (not editable): the runtime stage needs only the venv.
COPY contracts/ contracts/
COPY chassis/ chassis/
COPY services/declarations/ services/declarations/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-editable --package declarations

# ---- runtime: the venv, the reference data, a non-root user -----------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# --- service-specific: begin
# A Unicode font for the receipt PDFs, embedded in them as PDF/UA-1 asks (else fpdf2 falls back to the latin-1
# core fonts, which are not embedded); `chassis.pdf.find_font` finds it at this path.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core=2.37-6 \
 && rm -rf /var/lib/apt/lists/*
# --- service-specific: end
RUN groupadd --system --gid 10001 octroi \
 && useradd --system --uid 10001 --gid octroi --home-dir /app --no-create-home --shell /usr/sbin/nologin octroi
WORKDIR /app
# Code and data stay owned by root: the service cannot rewrite them.
COPY --from=build /app/.venv /app/.venv
COPY deploy/kafka/topics.yaml deploy/kafka/topics.yaml
COPY deploy/territories/ deploy/territories/
COPY deploy/reference/ deploy/reference/
COPY deploy/docker/healthcheck.py /usr/local/bin/octroi-healthcheck
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2 \
    PYTHONDONTWRITEBYTECODE=1 \
    DECLARATIONS_HTTP_HOST=0.0.0.0 \
    DECLARATIONS_HTTP_PORT=8001 \
    DECLARATIONS_LOG_JSON=true \
    DECLARATIONS_TOPICS_FILE=/app/deploy/kafka/topics.yaml \
    DECLARATIONS_REFERENCE_DIR=/app/deploy/territories
USER 10001:10001
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/usr/local/bin/octroi-healthcheck", "http://127.0.0.1:8001/health/ready"]
ENTRYPOINT ["declarations"]
CMD ["serve"]
