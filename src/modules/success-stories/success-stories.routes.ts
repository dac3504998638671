import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, IfMatchHeaders, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import { SuccessStory, SuccessStoryCreate, SuccessStoryPage, SuccessStoryQuery, SuccessStoryUpdate } from './success-stories.schemas.ts'

const tags = ['success-stories']

/** Success stories of completed transfers (/v1/success-stories). */
export const successStoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const stories = app.services.successStories

  app.post(
    '/',
    {
      schema: {
        operationId: 'createSuccessStory',
        tags,
        summary: 'Draft the success story of a completed transfer',
        description:
          "Either party of a completed deal (its writing keys, or its broker's) drafts the story: the problem, the technology, the results in words and figures, quotes; photos are attached with uploadFile (subjectType success_story). Where and when come from the deal: the seeker's province, the listing's sectors, the year it completed. One story per deal (409 story_exists); a deal not completed is a 409 deal_not_completed. The draft is seen by the parties only until both approve it. Emits success_story.drafted to both parties. Idempotency-Key supported.",
        security: bearerSecurity,
        body: SuccessStoryCreate,
        response: { 201: withHeaders(ref(SuccessStory), 'ETag', 'Location'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const story = await stories.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/success-stories/${story.id}`).header('etag', etagOf(story.version)).send(story)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'listSuccessStories',
        tags,
        summary: 'List published success stories (mô hình thành công)',
        description:
          "Published stories, newest first: province (the seeker's, by 2025 or legacy code), sector (the listing's VSIC sections), year (of completion) and organization (provider or seeker) narrow it. Public.",
        querystring: SuccessStoryQuery,
        response: { 200: ref(SuccessStoryPage), ...errorResponses(400, 401) },
      },
    },
    async (request) => stories.list(request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getSuccessStory',
        tags,
        summary: 'Get a success story',
        description:
          "A published story, for anyone; a draft or a retracted one, for the transfer's parties, their brokers and the operator (404 for the rest).",
        params: IdParams,
        response: { 200: withHeaders(ref(SuccessStory), 'ETag'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const story = await stories.get(request.actor, request.params.id)
      return reply.header('etag', etagOf(story.version)).send(story)
    },
  )

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateSuccessStory',
        tags,
        summary: 'Change a draft success story',
        description:
          "Changes the given fields of a draft, and clears both approvals: what is published is what both parties approved. Either party's writing keys (or its broker's). A published story is not edited: retract it and draft anew (409). Send If-Match with the ETag you read (412 when stale).",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: SuccessStoryUpdate,
        response: { 200: withHeaders(ref(SuccessStory), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const story = await stories.update(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(story.version)).send(story)
    },
  )

  app.post(
    '/:id/approve',
    {
      schema: {
        operationId: 'approveSuccessStory',
        tags,
        summary: "Approve a draft success story for the caller's side",
        description:
          "The caller's side (provider or seeker, or its broker) approves the draft as it stands; send If-Match with the ETag you read, so that you approve the text you read (412 when it changed). The second side's approval publishes it: success_story.published in the public feed (GET /v1/events) and to both parties' webhooks. Emits success_story.approved. No body.",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 200: withHeaders(ref(SuccessStory), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const story = await stories.approve(requireActor(request), request.params.id, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(story.version)).send(story)
    },
  )

  app.post(
    '/:id/retract',
    {
      schema: {
        operationId: 'retractSuccessStory',
        tags,
        summary: 'Retract a success story',
        description:
          "Takes a story out of public view (or drops a draft): either party's writing keys, or the operator. A published one leaves the feed with a success_story.retracted tombstone. Final: to tell the transfer again, draft a new story. No body.",
        security: bearerSecurity,
        params: IdParams,
        response: { 200: withHeaders(ref(SuccessStory), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const story = await stories.retract(requireActor(request), request.params.id)
      return reply.header('etag', etagOf(story.version)).send(story)
    },
  )
}
