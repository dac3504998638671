import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, ref } from '../../http/common.schemas.ts'

const Health = Type.Object({ status: Type.Literal('ok') }, { $id: 'Health' })
const Ready = Type.Object({ status: Type.Literal('ready'), database: Type.Union([Type.Literal('embedded'), Type.Literal('postgres')]) }, { $id: 'Ready' })

export const healthSchemas = [Health, Ready]

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Liveness probe',
        description: 'Answers 200 while the process is up; does not touch the database.',
        response: { 200: ref(Health), ...errorResponses(401) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )
  app.get(
    '/ready',
    {
      schema: {
        operationId: 'getReady',
        tags: ['health'],
        summary: 'Readiness probe',
        description: 'Answers 200 when the database answers a query, 503 otherwise.',
        response: { 200: ref(Ready), ...errorResponses(401), 503: Type.Object({ status: Type.Literal('unavailable') }) },
      },
    },
    async (_request, reply) => {
      try {
        await app.database.pool.query('select 1')
        return { status: 'ready' as const, database: app.database.mode }
      } catch {
        return reply.code(503).send({ status: 'unavailable' as const })
      }
    },
  )
}
