# syntax=docker/dockerfile:1
# One image for every service of the registry (libs/platform/src/bootstrap/service-registry.ts) and for the
# migrations. The entrypoint (docker/entrypoint.sh) picks what runs from its first argument or $SERVICE:
#   docker run payment-ledger charges        docker run -e SERVICE=gateway payment-ledger
#   docker run payment-ledger migrate        (and `migrate show`, `migrate revert`)
# Node 24 is the Active LTS; the code also runs on Node 20 (package.json engines), and every production dependency
# declares support for both (test/deploy/dockerfile.spec.ts checks the lock file). The three stages use the same
# exact tag: bump all three together, never to `latest` or a bare major.

# build: every dependency, compile to dist/ (apps, libs, scripts/migrate.js) with the SQL migrations copied beside it
FROM node:24.11.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts ./scripts
RUN npm run build

# production dependencies only: no TypeScript, ts-node, jest or the Nest CLI in the image
FROM node:24.11.1-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24.11.1-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root --chmod=0555 docker/entrypoint.sh /usr/local/bin/payment-ledger
# npm, npx and corepack are not needed to run node; without them the image has no package tooling
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn* \
    /usr/local/bin/yarn /usr/local/bin/yarnpkg
# the `node` user (uid 1000) of the base image; files stay root-owned and read-only to it
USER 1000:1000
ENTRYPOINT ["/usr/local/bin/payment-ledger"]
