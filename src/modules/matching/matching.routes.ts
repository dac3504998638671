import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, IfMatchHeaders, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import { Match, MatchDismiss, MatchList, MatchListQuery, MatchProposal } from './matching.schemas.ts'

const tags = ['matching']

const readers =
  "Visible to those who act for the owner (its keys, its delegates', its successor's), to brokers (connection points, transfer centres, DOSTs) and to the operator; 403 for other keys, 401 without one, 404 when the record itself is not visible."

/** Matches of demands and listings (under /v1/demands and /v1/listings) and of one match (/v1/matches). */
export const matchingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const matching = app.services.matching

  for (const direction of ['demand', 'listing'] as const) {
    const Side = direction === 'demand' ? 'Demand' : 'Listing'
    const other = direction === 'demand' ? 'published, unexpired listings of other organisations' : 'open demands of other organisations'
    app.get(
      `/${direction}s/:id/matches`,
      {
        schema: {
          operationId: `list${Side}Matches`,
          tags,
          summary: `Matches suggested for a ${direction}`,
          description:
            `The ${other} that fit this ${direction}, best score first, each with the explanation of its score. ` +
            `The matcher computes the top suggestions in a background job when the ${direction} ${direction === 'demand' ? 'opens' : 'is published'} or changes; ` +
            "computedAt says when (null: not yet). Brokers' proposals and shortlisted pairs are included; dismissed pairs only with status=dismissed " +
            `(for the demand owner and brokers). ${readers}`,
          security: bearerSecurity,
          params: IdParams,
          querystring: MatchListQuery,
          response: { 200: ref(MatchList), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => matching.list(requireActor(request), direction, request.params.id, request.query),
    )

    app.post(
      `/${direction}s/:id/matches/recompute`,
      {
        schema: {
          operationId: `recompute${Side}Matches`,
          tags,
          summary: `Recompute a ${direction}'s matches now`,
          description:
            `Runs the matcher for this ${direction} at once rather than waiting for the background job, stores the result and answers with the list ` +
            `(as list${Side}Matches). Only an ${direction === 'demand' ? 'open demand' : 'published, unexpired listing'} is matched (409 otherwise). ` +
            `Writing keys (admin, editor, operator) of those who may read its matches. No body.`,
          security: bearerSecurity,
          params: IdParams,
          response: { 200: ref(MatchList), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request) => matching.recompute(requireActor(request), direction, request.params.id),
    )
  }

  app.post(
    '/matches',
    {
      schema: {
        operationId: 'proposeMatch',
        tags,
        summary: 'Propose a match (brokers)',
        description:
          "A broker (connection point, transfer centre, DOST, or the operator) proposes an open demand and a published listing to each other, with a note. The pair is scored and explained like a computed one. 201 with a new match; 200 when the matcher had already suggested the pair (it takes the broker's note); 409 when the demand owner dismissed the pair, a broker already proposed it, either side is not live, or both belong to one organisation. Emits match.proposed.",
        security: bearerSecurity,
        body: MatchProposal,
        response: {
          200: withHeaders(ref(Match), 'ETag'),
          201: withHeaders(ref(Match), 'ETag', 'Location'),
          ...errorResponses(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { match, created } = await matching.propose(requireActor(request), request.body)
      if (created) reply.code(201).header('location', `/v1/matches/${match.id}`)
      return reply.header('etag', etagOf(match.version)).send(match)
    },
  )

  app.get(
    '/matches/:id',
    {
      schema: {
        operationId: 'getMatch',
        tags,
        summary: 'Get a match',
        description:
          "One match with both sides and its ETag. For the demand owner, brokers and the operator; the listing owner sees it too unless it was dismissed (and never the dismissal's reason). 404 for anyone else.",
        security: bearerSecurity,
        params: IdParams,
        response: { 200: withHeaders(ref(Match), 'ETag'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const match = await matching.get(requireActor(request), request.params.id)
      return reply.header('etag', etagOf(match.version)).send(match)
    },
  )

  app.post(
    '/matches/:id/shortlist',
    {
      schema: {
        operationId: 'shortlistMatch',
        tags,
        summary: 'Shortlist a match',
        description:
          "The demand owner keeps a suggestion for follow-up: suggested -> shortlisted (409, with the moves allowed, from other states). The demand owner's or its delegates' admin or editor keys, or the operator. If-Match optional. Emits match.shortlisted. No body.",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 200: withHeaders(ref(Match), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const match = await matching.shortlist(requireActor(request), request.params.id, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(match.version)).send(match)
    },
  )

  app.post(
    '/matches/:id/dismiss',
    {
      schema: {
        operationId: 'dismissMatch',
        tags,
        summary: 'Dismiss a match',
        description:
          "The demand owner turns a suggested or shortlisted match down with a structured reason (not_relevant, too_early_stage, too_expensive, location, already_known, other) and an optional note. The pair is never suggested again. The demand owner's or its delegates' admin or editor keys, or the operator. If-Match optional. Emits match.dismissed.",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: MatchDismiss,
        response: { 200: withHeaders(ref(Match), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const match = await matching.dismiss(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(match.version)).send(match)
    },
  )
}
