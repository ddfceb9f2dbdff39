# avr-sts-openai container image.
#
#   docker build -t avr-sts-openai .
#   docker run --rm -p 6030:6030 -e OPENAI_API_KEY=sk-... avr-sts-openai
#   docker run --rm -p 6030:6030 -e OPENAI_REALTIME_URL=simulator avr-sts-openai   # no key needed
#
# On SIGTERM the service drains live calls for up to SHUTDOWN_GRACE_MS (default 5 minutes) before it
# exits, so stop it with a matching timeout: `docker stop -t 330 …`, compose `stop_grace_period: 330s`.
#
# test/production-start.e2e-spec.ts replays this file without Docker: it runs the build stage's COPY and
# RUN steps in a temporary folder, copies what the runtime stage takes `--from=build`, starts the CMD with
# the runtime ENV and runs the HEALTHCHECK command against it. Keep COPY sources as plain paths, RUN in
# shell form and CMD/HEALTHCHECK in JSON form so that replay keeps working.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: full install, compile, then drop the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: no production dependency has one, and the build needs none. No peer-only
# packages: the only ones are aws-cdk-lib and its kin (about 190 MB), pulled in by the test-only
# package that ships helm; the build needs none of them.
RUN npm ci --ignore-scripts --omit=peer --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The bundled failure announcement (FAILURE_ANNOUNCEMENT's default), read once at start-up.
COPY assets/failure-announcement.wav ./assets/failure-announcement.wav
RUN npm run build
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: Node, tini, the compiled service and its production dependencies only ----
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to Node (which then drains) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/assets ./assets
# Operators' tool modules go in /app/tools (TOOLS_DIR default ./tools): mount a folder there.
# Modules placed here resolve imports from /app/node_modules.
RUN mkdir -p /app/tools
# Numeric user (the image's "node" user) so Kubernetes runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 6030
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 6030) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
