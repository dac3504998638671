import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import type { TSchema } from 'typebox'
import type { Config } from './config.ts'
import { openDatabase, type Database } from './db/client.ts'
import { migrateDatabase, type MigrationOutcome } from './migrate.ts'
import { databaseOptions } from './database.ts'
import { requestScopedDb } from './db/request-scope.ts'
import { sharedSecret } from './db/shared-secrets.ts'
import { registerAuth } from './http/auth.ts'
import { createJobQueue, type JobQueue } from './jobs/queue.ts'
import { commonSchemas } from './http/common.schemas.ts'
import { clientErrors, frameworkErrors, registerErrorHandling } from './http/errors.ts'
import { registerOpenApi } from './http/openapi.ts'
import { requestValidator } from './http/validation.ts'
import { registerConditionalRequests } from './http/conditional.ts'
import { registerRateLimits } from './http/rate-limit.ts'
import { registerMetrics } from './http/metrics.ts'
import { registerReplicaReads } from './http/replica-reads.ts'
import { openReplicas, type Replicas } from './db/replicas.ts'
import { registerSecurity } from './http/security.ts'
import { registerTextGuard } from './http/text-guard.ts'
import { systemClock, type Clock } from './lib/clock.ts'
import { createCursors } from './lib/cursor.ts'
import { auditRoutes } from './modules/audit/audit.routes.ts'
import { auditSchemas } from './modules/audit/audit.schemas.ts'
import { fileSchemas } from './modules/files/files.schemas.ts'
import { fileRoutes } from './modules/files/files.routes.ts'
import { successStorySchemas } from './modules/success-stories/success-stories.schemas.ts'
import { successStoryRoutes } from './modules/success-stories/success-stories.routes.ts'
import { apiKeyRoutes } from './modules/api-keys/api-keys.routes.ts'
import { apiKeySchemas } from './modules/api-keys/api-keys.schemas.ts'
import { delegationRoutes } from './modules/delegations/delegations.routes.ts'
import { delegationSchemas } from './modules/delegations/delegations.schemas.ts'
import { demandSchemas } from './modules/demands/demands.schemas.ts'
import { demandRoutes } from './modules/demands/demands.routes.ts'
import { healthRoutes, healthSchemas } from './modules/health/health.routes.ts'
import { listingSchemas } from './modules/listings/listings.schemas.ts'
import { retrievalSchemas } from './modules/retrieval/retrieval.schemas.ts'
import { matchingRoutes } from './modules/matching/matching.routes.ts'
import { dealRoutes } from './modules/deals/deals.routes.ts'
import { dealSchemas } from './modules/deals/deals.schemas.ts'
import { taskRoutes } from './modules/tasks/tasks.routes.ts'
import { taskSchemas } from './modules/tasks/tasks.schemas.ts'
import { exchangeEventRoutes } from './modules/exchange-events/exchange-events.routes.ts'
import { exchangeEventSchemas } from './modules/exchange-events/exchange-events.schemas.ts'
import { reportRoutes } from './modules/reports/reports.routes.ts'
import { reportSchemas } from './modules/reports/reports.schemas.ts'
import { valueChainRoutes } from './modules/value-chains/value-chains.routes.ts'
import { thesaurusRoutes } from './modules/thesaurus/thesaurus.routes.ts'
import { valueChainSchemas } from './modules/value-chains/value-chains.schemas.ts'
import { thesaurusSchemas } from './modules/thesaurus/thesaurus.schemas.ts'
import { eventRoutes } from './modules/feed/feed.routes.ts'
import { eventSchemas } from './modules/feed/feed.schemas.ts'
import { registerIdempotency } from './http/idempotency.ts'
import { loggerOptions } from './http/logging.ts'
import { matchSchemas } from './modules/matching/matching.schemas.ts'
import { listingRoutes } from './modules/listings/listings.routes.ts'
import { organizationSchemas } from './modules/organizations/organizations.schemas.ts'
import { organizationRoutes } from './modules/organizations/organizations.routes.ts'
import { referenceSchemas } from './modules/reference/reference.schemas.ts'
import { referenceRoutes } from './modules/reference/reference.routes.ts'
import { sourceRoutes } from './modules/sources/sources.routes.ts'
import { sourceSchemas } from './modules/sources/sources.schemas.ts'
import { demandExportRoutes, listingExportRoutes } from './modules/exports/exports.routes.ts'
import { importRoutes } from './modules/imports/imports.routes.ts'
import { importSchemas } from './modules/imports/imports.schemas.ts'
import { createServices, type Services } from './services.ts'
import { webhookRoutes } from './modules/webhooks/webhooks.routes.ts'
import { webhookSchemas } from './modules/webhooks/webhooks.schemas.ts'
import { WebhookMessage } from './modules/webhooks/webhooks.messages.ts'

declare module 'fastify' {
  interface FastifyInstance {
    database: Database
    /** The read replicas (DATABASE_REPLICA_URLS), when there are any. */
    replicas: Replicas | undefined
    jobs: JobQueue
    services: Services
  }
}

export type AppOverrides = {
  /** An already opened (and migrated) database; the app will not close it. */
  database?: Database
  clock?: Clock
  /**
   * The configured database, already opening: the server opens it before it imports the app, so the
   * embedded database's process loads PGlite while this one loads the app. Unlike `database`, the
   * app migrates it and closes it.
   */
  openingDatabase?: Promise<Database>
  /** Told what the start-up migration did (the server's start banner says it). */
  onMigrated?: (outcome: MigrationOutcome) => void
  /** Log level and destination (tests capture the lines); secrets are redacted whatever is passed. */
  logger?: { level?: Config['LOG_LEVEL']; stream?: DestinationStream }
}

/** TRUST_PROXY as Fastify's trustProxy: true, a hop count, or the proxies' addresses. */
function trustProxyOf(value: string | undefined): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (value === undefined || value === 'false') return false
  if (value === 'true') return true
  if (/^[0-9]+$/.test(value)) {
    const hops = Number(value)
    return (_address, hop) => hop < hops
  }
  return value.split(',').map((address) => address.trim())
}

const defaultSerializers = SerializerSelector()

/** Compiles on the first call, so start-up does not pay for routes no request reaches yet. */
function compileOnFirstUse<F extends (...args: never[]) => unknown>(compile: () => F): F {
  let compiled: F | undefined
  return ((...args: Parameters<F>) => (compiled ??= compile())(...args)) as F
}

const lazySerializers: typeof defaultSerializers = (externalSchemas, options) => {
  const build = defaultSerializers(externalSchemas, options)
  return (route) => compileOnFirstUse(() => build(route))
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // Secrets are redacted whatever the overrides say (src/http/logging.ts).
    logger: loggerOptions(config.LOG_LEVEL, overrides.logger),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxyOf(config.TRUST_PROXY),
    requestIdHeader: false,
    // Echo a caller's X-Request-Id when it is sane, so a portal can follow one request across systems.
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID()
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // Malformed or over-long paths, refused by the router before any hook: problem documents too.
    frameworkErrors,
    // Requests Node's parser refuses (over-long headers or URL): problem documents too.
    clientErrorHandler: clientErrors,
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
  })
  app.setValidatorCompiler((route) => compileOnFirstUse(() => requestValidator(route)))
  // The API reads JSON only: without this, Fastify's built-in text/plain parser hands a string to the
  // body schema and the client gets a confusing 400 instead of 415 Unsupported Media Type.
  app.removeContentTypeParser('text/plain')

  const database = overrides.database ?? (await (overrides.openingDatabase ?? openDatabase(databaseOptions(config, { log: app.log }))))
  // The server's database may still be opening (server.ts): the hooks and routes, CPU work, register
  // meanwhile, and nothing queries the database before this has settled. The app listens after.
  const prepared = (async () => {
    await database.opened
    if (!overrides.database) overrides.onMigrated?.(await migrateDatabase(database))
    // One key for every process: from the configuration, or the one kept in the database.
    return config.CURSOR_SECRET ? Buffer.from(config.CURSOR_SECRET) : await sharedSecret(database.db, 'cursor_signing_key')
  })()
  prepared.catch(() => {}) // awaited at the end through jobsStarted; a failure is thrown there
  const clock = overrides.clock ?? systemClock
  const cursors = createCursors(prepared)
  const jobs = createJobQueue({
    pool: database.pool,
    worker: config.JOBS_WORKER === 'true',
    pollingIntervalSeconds: config.JOBS_POLL_SECONDS,
    expireSeconds: config.JOBS_EXPIRE_SECONDS,
    log: app.log,
  })
  app.decorate('database', database)
  app.decorate('jobs', jobs)
  // The services' db joins a request's own transaction when it has one (an Idempotency-Key request).
  app.decorate('services', createServices({ db: requestScopedDb(database.db), clock, config, jobs, cursors }))
  // The queue starts (pg-boss checks its schema and its schedules: several round trips) once the
  // database is prepared; the hooks and routes, CPU work, register meanwhile.
  const jobsStarted = prepared.then(() => jobs.start())
  jobsStarted.catch(() => {}) // awaited at the end; a failure is thrown there
  // One hook, so the queue stops (its running jobs finish) before the database it uses closes.
  app.addHook('onClose', async () => {
    await jobs.stop()
    if (!overrides.database) await database.close()
  })

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  registerConditionalRequests(app)
  registerErrorHandling(app)
  // Hooks run in this order: security headers and CORS, rate limits, then the key check.
  await registerSecurity(app, config)
  await registerRateLimits(app, config, database.pool)
  registerAuth(app, { db: database.db, clock })
  const replicas = config.DATABASE_REPLICA_URLS
    ? await openReplicas(
        config.DATABASE_REPLICA_URLS.split(',').map((url) => url.trim()),
        {
          poolSize: config.DATABASE_POOL_SIZE,
          maxLagSeconds: config.DATABASE_REPLICA_MAX_LAG_SECONDS,
          preparedStatements: config.DATABASE_PREPARED_STATEMENTS === 'true',
          log: app.log,
        },
      )
    : undefined
  app.decorate('replicas', replicas)
  if (replicas) {
    app.addHook('onClose', () => replicas.close())
    registerReplicaReads(app, { replicas, primary: database.pool, readYourWritesSeconds: config.READ_YOUR_WRITES_SECONDS })
  }
  registerTextGuard(app)
  registerMetrics(app, { pool: database.pool, replicas, token: config.METRICS_TOKEN })
  // Before the OpenAPI plugin: its onRoute hook must see the Idempotency-Key header it adds.
  registerIdempotency(app, { db: database.db, clock, faults: { killAfterCommit: config.FAULT_KILL_AFTER_COMMIT, failAnswer: config.FAULT_FAIL_ANSWER } })
  await registerOpenApi(app, { serverUrl: config.PUBLIC_BASE_URL })

  const schemas: TSchema[] = [
    ...commonSchemas,
    ...healthSchemas,
    ...referenceSchemas,
    ...organizationSchemas,
    ...retrievalSchemas,
    ...listingSchemas,
    ...demandSchemas,
    ...apiKeySchemas,
    ...auditSchemas,
    ...delegationSchemas,
    ...matchSchemas,
    ...dealSchemas,
    ...taskSchemas,
    ...valueChainSchemas,
    ...thesaurusSchemas,
    ...reportSchemas,
    ...exchangeEventSchemas,
    ...fileSchemas,
    ...successStorySchemas,
    ...importSchemas,
    ...sourceSchemas,
    ...eventSchemas,
    ...webhookSchemas,
    WebhookMessage,
  ]
  for (const schema of schemas) app.addSchema(schema)

  await app.register(healthRoutes)
  await app.register(referenceRoutes, { prefix: '/v1/reference' })
  await app.register(organizationRoutes, { prefix: '/v1/organizations' })
  await app.register(listingRoutes, { prefix: '/v1/listings' })
  await app.register(demandRoutes, { prefix: '/v1/demands' })
  await app.register(apiKeyRoutes, { prefix: '/v1/api-keys' })
  await app.register(auditRoutes, { prefix: '/v1/audit-events' })
  await app.register(delegationRoutes, { prefix: '/v1/delegations' })
  await app.register(matchingRoutes, { prefix: '/v1' })
  await app.register(dealRoutes, { prefix: '/v1' })
  await app.register(taskRoutes, { prefix: '/v1' })
  await app.register(valueChainRoutes, { prefix: '/v1/value-chains' })
  await app.register(thesaurusRoutes, { prefix: '/v1/thesaurus' })
  await app.register(reportRoutes, { prefix: '/v1/reports' })
  await app.register(exchangeEventRoutes, { prefix: '/v1/exchange-events' })
  await app.register(importRoutes, { prefix: '/v1/imports' })
  await app.register(fileRoutes, { prefix: '/v1/files', maxBytes: config.FILE_MAX_BYTES })
  await app.register(successStoryRoutes, { prefix: '/v1/success-stories' })
  await app.register(listingExportRoutes, { prefix: '/v1/listings' })
  await app.register(demandExportRoutes, { prefix: '/v1/demands' })
  await app.register(sourceRoutes, { prefix: '/v1/sources' })
  await app.register(eventRoutes, { prefix: '/v1' })
  await app.register(webhookRoutes, { prefix: '/v1/webhooks' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  await jobsStarted // after prepared: it throws prepared's failure too
  return app
}
