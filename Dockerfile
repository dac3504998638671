# tech-exchange API. Runs TypeScript directly with tsx (a runtime dependency), so there is no build
# step and only production dependencies are installed.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data

WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY migrations ./migrations
COPY src ./src
# The served document's examples (src/http/openapi-examples.ts).
COPY openapi/examples.json ./openapi/examples.json

# The embedded database (used when DATABASE_URL is unset) keeps its files in DATA_DIR.
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
CMD ["node", "--import", "tsx", "src/server.ts"]
