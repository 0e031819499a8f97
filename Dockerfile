# syntax=docker/dockerfile:1
# mlinfer in a container: `mlinfer serve` by default, any other command (batch, train, ...) as arguments.
#
#   docker build -t mlinfer .
#   docker run --rm -p 8000:8000 -e MLINFER_TOKEN="$(openssl rand -hex 24)" \
#     -v "$PWD/churn.mlinfer:/models/model.mlinfer:ro" mlinfer
#   docker run --rm -v "$PWD:/data" mlinfer batch /data/in.csv /data/out.csv --model /data/churn.mlinfer
#
# The model is mounted at /models/model.mlinfer (a volume, a Kubernetes PVC or a KServe storage initializer),
# or copied into a derived image:
#   FROM mlinfer
#   COPY churn.mlinfer /models/model.mlinfer
#
# Auth: the default CMD listens on 0.0.0.0, so serve requires a bearer token and reads it from MLINFER_TOKEN
# (16+ characters; without it the container exits at once with code 2 and says why). Behind a gateway that
# already authenticates callers, override the command with --no-auth instead.
#
# The build steps live in docker/build-steps.sh, which test/deploy runs directly where no Docker engine is.

ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first, so the npm ci layer is reused while only the source changes.
COPY package.json package-lock.json ./
COPY docker/build-steps.sh docker/
RUN --mount=type=cache,target=/root/.npm sh docker/build-steps.sh deps
COPY tsconfig.json tsup.config.ts README.md ./
COPY src/ src/
COPY bin/ bin/
COPY docker/healthcheck.mjs docker/
RUN sh docker/build-steps.sh build
RUN --mount=type=cache,target=/root/.npm STAGING=/staging sh docker/build-steps.sh stage

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the app user: the process cannot rewrite its own code.
COPY --from=build /staging /app
# /models for the model file, /data for batch inputs and outputs (mount volumes over both).
RUN mkdir -p /models /data && chown node:node /data
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 CMD ["node", "/app/docker/healthcheck.mjs"]
ENTRYPOINT ["node", "/app/bin/mlinfer.js"]
# On SIGTERM serve reports not-ready for --drain-delay while still serving (load balancers stop sending
# traffic), then waits up to --shutdown-timeout for requests in flight: 3 s + 5 s fits in the 10 s that
# `docker stop` waits before SIGKILL. The Kubernetes manifests set their own, with a longer grace period.
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--model", "/models/model.mlinfer", "--drain-delay", "3000", "--shutdown-timeout", "5000"]
