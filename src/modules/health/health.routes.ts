import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, ref } from '../../http/common.schemas.ts'
import { databaseRetryAfterSeconds } from '../../lib/db-unavailable.ts'

const Health = Type.Object({ status: Type.Literal('ok') }, { $id: 'Health' })
const ReplicaState = Type.Object(
  {
    replica: Type.Integer({ minimum: 1, description: 'Its place in DATABASE_REPLICA_URLS, from 1' }),
    available: Type.Boolean({ description: 'Whether reads go to it: it answered its last check and is within DATABASE_REPLICA_MAX_LAG_SECONDS' }),
    lagSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: 'Seconds behind the primary at its last check; null when it did not answer',
    }),
  },
  { $id: 'ReplicaState', title: 'ReplicaState' },
)
const Ready = Type.Object(
  {
    status: Type.Literal('ready'),
    database: Type.Union([Type.Literal('embedded'), Type.Literal('postgres')]),
    replicas: Type.Optional(
      Type.Array(ref(ReplicaState), {
        description:
          'The read replicas, when DATABASE_REPLICA_URLS names any. A replica that lags or does not answer does not make the API unready: reads go to the primary instead.',
      }),
    ),
  },
  { $id: 'Ready' },
)

export const healthSchemas = [Health, ReplicaState, Ready]

const probeAnswer = <T extends ReturnType<typeof Type.Object>>(description: string, schema: T, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
})
const retryAfter = { 'Retry-After': { type: 'integer', minimum: 0, description: 'Seconds to wait before asking again' } }

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Liveness probe',
        description:
          'Answers 200 while the process can serve, without touching the database: a database that is down or restarting is for /ready to say. ' +
          'Answers 503 only when restarting this process is the cure: its embedded database died and will not be restarted (the server then exits with code 1).',
        response: {
          200: ref(Health),
          ...errorResponses(401),
          503: probeAnswer('The process cannot recover by itself; restart it', Type.Object({ status: Type.Literal('failed') })),
        },
      },
    },
    async (_request, reply) => {
      if (app.database.embedded?.state === 'failed') return reply.code(503).send({ status: 'failed' as const })
      return { status: 'ok' as const }
    },
  )
  app.get(
    '/ready',
    {
      schema: {
        operationId: 'getReady',
        tags: ['health'],
        summary: 'Readiness probe',
        description:
          "Answers 200 when the database answers a query, 503 otherwise (say while the embedded database restarts). Docker's health check uses it. " +
          'With read replicas, it also says how far behind each is.',
        response: {
          200: ref(Ready),
          ...errorResponses(401),
          503: probeAnswer('The database does not answer', Type.Object({ status: Type.Literal('unavailable') }), retryAfter),
        },
      },
    },
    async (_request, reply) => {
      try {
        await app.database.pool.query('select 1')
        const replicas = app.replicas?.list.map((replica, index) => ({
          replica: index + 1,
          available: replica.lagSeconds !== null && replica.lagSeconds <= app.replicas!.maxLagSeconds,
          lagSeconds: replica.lagSeconds,
        }))
        return { status: 'ready' as const, database: app.database.mode, ...(replicas ? { replicas } : {}) }
      } catch {
        return reply
          .code(503)
          .header('retry-after', String(databaseRetryAfterSeconds))
          .send({ status: 'unavailable' as const })
      }
    },
  )
}
