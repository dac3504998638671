import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, IfMatchHeaders, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import {
  ThesaurusEntry,
  ThesaurusEntryCreate,
  ThesaurusEntryUpdate,
  ThesaurusListQuery,
  ThesaurusPage,
  ThesaurusPreview,
  ThesaurusPreviewQuery,
} from './thesaurus.schemas.ts'

const tags = ['thesaurus']
const operatorOnly = 'The operator only (403 for every other key).'

/** The search thesaurus (/v1/thesaurus): synonyms and symptom -> solution expansions applied to queries. */
export const thesaurusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const thesaurus = app.services.thesaurus

  app.get(
    '/',
    {
      schema: {
        operationId: 'listThesaurusEntries',
        tags,
        summary: 'List thesaurus entries',
        description:
          'Synonyms (equivalent phrases: regional words, spellings, Vietnamese and English terms, abbreviations) and expansions (a trigger such as a symptom bringing in solution phrases, one way), in the order of their trigger or first phrase, folded. kind and q (text in any phrase, diacritics optional) narrow it. Public: the thesaurus applies to every query.',
        querystring: ThesaurusListQuery,
        response: { 200: ref(ThesaurusPage), ...errorResponses(400, 401) },
      },
    },
    async (request) => thesaurus.list(request.query),
  )

  app.get(
    '/preview',
    {
      schema: {
        operationId: 'previewThesaurus',
        tags,
        summary: 'Which thesaurus entries apply to a query, and what they add',
        description:
          'The query folded (lower case, no diacritics, đ as d, syllables), and every entry one of whose phrases (a synonym member, an expansion trigger) occurs in it as consecutive whole syllables and not inside one of its exceptions: the phrase matched, where, and the phrases it adds with their weight (those not already in the query). Overlapping entries all apply; one inside a longer match is flagged subsumed. Public.',
        querystring: ThesaurusPreviewQuery,
        response: { 200: ref(ThesaurusPreview), ...errorResponses(400, 401) },
      },
    },
    async (request) => thesaurus.preview(request.query.q),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getThesaurusEntry',
        tags,
        summary: 'Get a thesaurus entry',
        description: 'The entry with its phrases as written and folded. Public.',
        params: IdParams,
        response: { 200: withHeaders(ref(ThesaurusEntry), 'ETag'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const entry = await thesaurus.get(request.params.id)
      return reply.header('etag', etagOf(entry.version)).send(entry)
    },
  )

  app.post(
    '/',
    {
      schema: {
        operationId: 'createThesaurusEntry',
        tags,
        summary: 'Add a synonym or an expansion to the thesaurus',
        description:
          'A synonym lists 2-20 equivalent phrases; an expansion a trigger and 1-10 phrases it brings in. Phrases are 1-120 characters with a letter or digit, no two the same once folded; exceptions are longer phrases holding one that sets the entry off ("bắp cải" for "bắp"), inside which it does not apply. Weight 0 < w <= 1 (default 1 for a synonym, 0.6 for an expansion). 422 invalid_thesaurus_entry naming each offending field. ' +
          `Applies to queries from the next search on. ${operatorOnly} Idempotency-Key supported.`,
        security: bearerSecurity,
        body: ThesaurusEntryCreate,
        response: { 201: withHeaders(ref(ThesaurusEntry), 'ETag', 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const entry = await thesaurus.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/thesaurus/${entry.id}`).header('etag', etagOf(entry.version)).send(entry)
    },
  )

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateThesaurusEntry',
        tags,
        summary: 'Change a thesaurus entry',
        description: `Changes the given fields (a list given replaces the one before); the kind stays (delete and add instead). The rules of createThesaurusEntry apply to the result (422). A starter entry changed here stays as changed through upgrades. Send If-Match with the ETag you read (412 when stale). ${operatorOnly}`,
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: ThesaurusEntryUpdate,
        response: { 200: withHeaders(ref(ThesaurusEntry), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const entry = await thesaurus.update(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(entry.version)).send(entry)
    },
  )

  app.delete(
    '/:id',
    {
      schema: {
        operationId: 'deleteThesaurusEntry',
        tags,
        summary: 'Remove a thesaurus entry',
        description: `Removes the entry; a starter entry removed here does not come back on upgrades. If-Match with the ETag you read (412 when stale). ${operatorOnly}`,
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null({ description: 'Removed' }), ...errorResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await thesaurus.remove(requireActor(request), request.params.id, expectedVersion(request.headers['if-match']))
      return reply.code(204).send(null)
    },
  )
}
