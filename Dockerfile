# syntax=docker/dockerfile:1.7
# Multi-stage build. The image runs the same web server as `npm start` (scripts/serve.ts: Next behind
# our HTTP server, which sets the client address from the socket and caps request bodies before they
# are read); migrations and bootstrap run when the server starts (instrumentation.ts), unless
# MIGRATE_ON_START=false (the Helm chart migrates in a Job: `node --import tsx scripts/migrate.ts`).
#
# The root filesystem can be read-only: the server writes only to DATA_DIR (/data), /tmp and
# .next/cache, each a volume (the Helm chart mounts emptyDirs there).

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# The import's worker-thread bundle (dist/workers) is built while esbuild, a dev dependency, is installed.
RUN npx next build && node --import tsx scripts/build-workers.ts && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 DATA_DIR=/data HOME=/tmp
RUN groupadd --system --gid 1001 optin && useradd --system --uid 1001 --gid optin --home-dir /tmp --no-create-home optin \
  && mkdir -p /data && chown optin:optin /data
COPY --from=build --chown=optin:optin /app/node_modules ./node_modules
COPY --from=build --chown=optin:optin /app/.next ./.next
COPY --from=build --chown=optin:optin /app/dist ./dist
COPY --from=build --chown=optin:optin /app/public ./public
COPY --from=build --chown=optin:optin /app/drizzle ./drizzle
COPY --from=build --chown=optin:optin /app/package.json /app/next.config.ts /app/tsconfig.json /app/instrumentation.ts /app/proxy.ts ./
COPY --from=build --chown=optin:optin /app/scripts ./scripts
COPY --from=build --chown=optin:optin /app/server ./server
COPY --from=build --chown=optin:optin /app/db ./db
RUN mkdir -p /app/.next/cache && chown optin:optin /app/.next/cache
USER 1001:1001
VOLUME ["/data", "/tmp", "/app/.next/cache"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "--import", "tsx", "scripts/serve.ts"]
