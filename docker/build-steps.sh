#!/bin/sh
# The Dockerfile's build steps, as one script: Docker cannot build on every machine that works on mlinfer, so
# test/deploy/build-steps.test.ts runs this same script in a temp copy of the repo and checks what it stages.
#   sh docker/build-steps.sh deps    npm ci: every dependency, from the lock file (the builder stage needs tsup)
#   sh docker/build-steps.sh build   npm run build: dist/
#   sh docker/build-steps.sh stage   copy what the package ships into $STAGING, install production deps only
#                                    there, and smoke-run the CLI from it
#   sh docker/build-steps.sh all     the three in order
# STAGING (default /staging) becomes /app in the runtime image, which then holds no compiler, no test tools
# and no source, only dist/, bin/ and the production node_modules.
set -eu

STAGING="${STAGING:-/staging}"
NPM_FLAGS="--no-audit --no-fund --loglevel=error"

deps() {
  # shellcheck disable=SC2086
  npm ci $NPM_FLAGS
}

build() {
  npm run build
}

stage() {
  rm -rf "$STAGING"
  mkdir -p "$STAGING/docker"
  cp package.json package-lock.json README.md "$STAGING/"
  cp -R dist bin "$STAGING/"
  cp docker/healthcheck.mjs "$STAGING/docker/"
  # --ignore-scripts: production deps need no install scripts, and none should run in the image.
  # shellcheck disable=SC2086
  (cd "$STAGING" && npm ci --omit=dev --ignore-scripts $NPM_FLAGS)
  # Smoke run from the staging dir alone: a dependency that was only in devDependencies fails here, not in
  # production. --version loads the whole CLI (every command and its imports).
  version="$(cd "$STAGING" && node bin/mlinfer.js --version)"
  expected="$(node -p "require('./package.json').version")"
  if [ "$version" != "$expected" ]; then
    echo "build-steps: staged CLI printed version '$version', expected '$expected'" >&2
    exit 1
  fi
  echo "build-steps: staged mlinfer $version in $STAGING"
}

case "${1:-all}" in
  deps) deps ;;
  build) build ;;
  stage) stage ;;
  all)
    deps
    build
    stage
    ;;
  *)
    echo "usage: build-steps.sh deps|build|stage|all" >&2
    exit 2
    ;;
esac
