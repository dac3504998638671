# tech-exchange API. Two stages: the first installs every dependency and runs `npm run build` (an
# esbuild bundle in dist/, and the embedded template); the second holds production dependencies and
# dist/ only, and runs plain `node` on the bundle: no TypeScript compiler, no tsx at run time.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, and the sources are not here yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
# esbuild reads tsconfig.json for how TypeScript compiles (class fields, decorators).
COPY tsconfig.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY migrations ./migrations
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
# MALLOC_ARENA_MAX: glibc's malloc keeps an arena per thread that allocates (V8's and libuv's
# threads), and an arena's pages stay resident; two held the server's RSS ~60 MB lower after load.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY migrations ./migrations
# The served document's examples (src/http/openapi-examples.ts).
COPY openapi/examples.json ./openapi/examples.json
# Owned by the user the server runs as: some of the template's files are readable by their owner only.
COPY --from=build --chown=node:node /app/dist ./dist

# The embedded database (used when DATABASE_URL is unset) keeps its files in DATA_DIR; a new one
# starts as a copy of dist/embedded-template-*.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]

USER node
EXPOSE 3000

# Readiness: /ready answers 200 only when the database answers, so "healthy" means "can serve". Docker
# itself restarts no unhealthy container; the server exits 1 when its embedded database is lost for
# good, and a restart policy (docker run --restart unless-stopped, compose's restart:) starts it again.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself is PID 1 (not npm), so SIGTERM reaches the server's graceful shutdown.
CMD ["node", "--enable-source-maps", "dist/server.js"]
