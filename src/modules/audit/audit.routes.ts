import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { bearerSecurity, errorResponses, ref, serializeAsBuilt } from '../../http/common.schemas.ts'
import { AuditEvent, AuditEventPage, AuditEventParams, AuditEventQuery } from './audit.schemas.ts'

const tags = ['audit']

const who =
  'The operator sees every event; an admin key sees the events where its organisation acted or owns the changed record. Editor and reader keys are refused (403).'

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const audit = app.services.audit

  app.get(
    '/',
    {
      schema: {
        operationId: 'listAuditEvents',
        tags,
        summary: 'List audit events',
        description:
          'Every write to organisations, listings, demands and API keys, newest first: who (key, acting and owning organisation), what (operation, target, changed fields before and after), when, and the request id. ' +
          '`organizationId` matches the acting or the owning organisation; `from` is inclusive and `to` exclusive. ' +
          who,
        security: bearerSecurity,
        querystring: AuditEventQuery,
        response: { 200: ref(AuditEventPage), ...errorResponses(400, 401, 403) },
      },
      // The events are a union by targetType (see serializeAsBuilt).
      serializerCompiler: serializeAsBuilt,
    },
    async (request) => audit.list(requireActor(request), request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getAuditEvent',
        tags,
        summary: 'Get an audit event',
        description: `One audit event. ${who} Another organisation's event is a 404.`,
        security: bearerSecurity,
        params: AuditEventParams,
        response: { 200: ref(AuditEvent), ...errorResponses(400, 401, 403, 404) },
      },
      serializerCompiler: serializeAsBuilt,
    },
    async (request) => audit.get(requireActor(request), request.params.id),
  )
}
