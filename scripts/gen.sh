#!/usr/bin/env bash
# Regenerates every client stub from protos/ (the one command for generated code).
# Needs the project's tools: `npm ci --prefix tools` (buf) and `pip install -e .[test]` (grpcio-tools),
# and Go, Maven and npm for the other languages' plugins (installed, pinned, by install-toolchains.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x tools/node_modules/.bin/buf ] || npm ci --prefix tools --no-audit --no-fund >&2
tools/node_modules/.bin/buf lint
bash scripts/install-toolchains.sh codegen
tools/node_modules/.bin/buf generate
# google.rpc.ErrorInfo for TypeScript only (see the template for why it is a second template).
tools/node_modules/.bin/buf generate --template clients/ts/buf.gen.googleapis.yaml
# The Python stubs are installed as the package `streamvisor.v1` (see pyproject.toml); a regular
# package needs an __init__.py, which protoc does not write.
printf '"""Generated from protos/streamvisor/v1 by scripts/gen.sh. Do not edit."""\n' \
  > clients/python/gen/streamvisor/v1/__init__.py
