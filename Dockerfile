# syntax=docker/dockerfile:1
# One image for every codeintel process; Kubernetes picks the component by its command:
#   python -m coordinator | services.parse | services.analyze | services.scan | mcp_bridge
# Build: docker build -t REGISTRY/codeintel:0.1.0 .   (docs/deploy.md)
# checkov:skip=CKV_DOCKER_2:no HEALTHCHECK on purpose: Kubernetes probes each component natively (gRPC health / HTTP), a Docker HEALTHCHECK cannot know which component runs

# Builder and final stage must carry the same CPython build: the venv's python is a symlink
# to /usr/local/bin/python3.11 of the base image.
ARG PYTHON_VERSION=3.11.14

# ---- builder: full Debian image (compilers, headers) in case a dependency has no wheel
FROM python:${PYTHON_VERSION}-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
# Only what the wheel needs (tests, benchmarks, docs and protos stay out; .dockerignore).
COPY pyproject.toml README.md ./
COPY requirements/runtime.txt ./requirements/runtime.txt
COPY codeintel ./codeintel
COPY coordinator ./coordinator
COPY services ./services
COPY mcp_bridge ./mcp_bridge
COPY scripts/build_fastwalk.py ./scripts/build_fastwalk.py
# A regular (not editable) install: the locked dependencies (every indirect one pinned), then our
# packages with their data (scan rules and taint specs) into /opt/venv, byte-compiled there
# because the final root filesystem is read-only.
# analyze's walk in C is built first (scripts/build_fastwalk.py) so the wheel carries it.
RUN pip install --no-cache-dir -r requirements/runtime.txt \
 && python scripts/build_fastwalk.py \
 && pip install --no-cache-dir --no-deps /src \
 && python -m compileall -q /opt/venv/lib

# ---- final: slim runtime, no compilers, no pip cache, non-root
FROM python:${PYTHON_VERSION}-slim-bookworm
LABEL org.opencontainers.image.title="codeintel" \
      org.opencontainers.image.description="codeintel coordinator, parse/analyze/scan workers and MCP bridge"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN groupadd --gid 10001 codeintel \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin codeintel
COPY --from=builder /opt/venv /opt/venv
# Fail the build if any grammar would be fetched at run time: with sockets disabled, load
# every language the parser supports (tree-sitter-language-pack 0.13.0 bundles them; 1.x
# downloads them, which a pod without egress cannot do).
RUN python -c "import socket; socket.socket = None; socket.create_connection = None; from codeintel.kernel import languages; [languages.get_parser(l) for l in languages.SUPPORTED]; print(len(languages.SUPPORTED), 'grammars bundled')"
WORKDIR /srv/codeintel
USER 10001:10001
# Documentation only: Kubernetes sets the ports in the manifests (k8s/base).
EXPOSE 50051 50061 50062 50063 8765 9090
CMD ["codeintel", "--help"]
