import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, ref, serializeAsBuilt } from '../../http/common.schemas.ts'
import { FeedEventPage, FeedEventQuery } from './feed.schemas.ts'

const tags = ['events']

export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const events = app.services.feed

  app.get(
    '/events',
    {
      schema: {
        operationId: 'listEvents',
        tags,
        summary: 'The public event feed',
        description:
          'The ordered, replayable log of changes to the public catalogue, so another exchange or portal can mirror it without webhooks: listings published, updated (while published), withdrawn and unpublished; demands opened, updated (while open) and closed; organisations created, updated and merged. ' +
          'Each event carries the record as a caller without a key sees it; a removal is a tombstone (`tombstone: true`) with only the id and global id. Drafts never appear. No key needed. ' +
          "Start without `after`, then pass each page's `nextCursor` as `after`: it is always a string (an empty page returns the cursor you sent), so a mirror polls with it forever and resumes where it stopped after a restart. " +
          'Events come in commit order, (writing transaction, id), and only from transactions that have ended: an event whose transaction is still running holds back the events after it until it commits, so a reader that has moved past a position never misses an event that commits late. `types` filters by event type (comma-separated); an unknown type or a tampered cursor is a 400.',
        querystring: FeedEventQuery,
        response: { 200: ref(FeedEventPage), ...errorResponses(400, 401) },
      },
      serializerCompiler: serializeAsBuilt,
    },
    async (request) => events.list(request.query),
  )
}
