import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IfMatchHeaders, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import { Demand } from '../demands/demands.schemas.ts'
import { ListingWithDuplicates } from '../listings/listings.schemas.ts'
import { Source, SourceCreate, SourceDemandPut, SourceListQuery, SourceListingPut, SourcePage, SourceParams, SourceRecordParams } from './sources.schemas.ts'

const tags = ['sources']

export const sourceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const sources = app.services.sources

  app.post(
    '/',
    {
      schema: {
        operationId: 'createSource',
        tags,
        summary: 'Register a source (another exchange or portal)',
        description:
          "The operator registers an exchange or portal whose records this exchange mirrors, and the organisation that runs it: that organisation's admin and editor keys then write the source's records with PUT /v1/sources/{source}/listings/{externalId}. The id is a slug, the first part of the global id of each of its records; this exchange's own id (EXCHANGE_ID) is refused (422), a registered one is a 409. An unknown organisation is a 422, a merged one a 409.",
        security: bearerSecurity,
        body: SourceCreate,
        response: { 201: withHeaders(ref(Source), 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const source = await sources.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/sources/${source.id}`).send(source)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'listSources',
        tags,
        summary: 'List sources',
        description: 'The registered exchanges and portals, by id. Public.',
        querystring: SourceListQuery,
        response: { 200: ref(SourcePage), ...errorResponses(400, 401) },
      },
    },
    async (request) => sources.list(request.query),
  )

  app.get(
    '/:source',
    {
      schema: {
        operationId: 'getSource',
        tags,
        summary: 'Get a source',
        description: 'One registered exchange or portal: what the first part of a global id names. Public.',
        params: SourceParams,
        response: { 200: ref(Source), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => sources.get(request.params.source),
  )

  app.put(
    '/:source/listings/:externalId',
    {
      schema: {
        operationId: 'upsertSourceListing',
        tags,
        summary: "Create or update a source's listing",
        description:
          "Makes this exchange's copy of the source's listing `externalId` what the body says: created (201, with Location) the first time, updated (200) after; its global id is `<source>:listing:<externalId>`. The body is the whole listing (an omitted optional field takes its default) and its status: draft, published or withdrawn; a change of status publishes, withdraws (final) or takes the listing back to draft, as at the source; a draft cannot be withdrawn, nor a listing created withdrawn (409). Sending the same body again changes nothing: 200, no new version, no event. The rules of createListing apply (price and IPR numbers, provinces, validUntil not past when publishing: 422). Only the admin and editor keys of the organisation that runs the source (acting for the listing's owner: by default that organisation, or a member that delegated to it, set once with ownerId), or the operator: 403 for others, 404 for an unknown source. If-Match with the ETag you read avoids overwriting a newer change (412 when stale, or when the listing does not exist yet). The answer lists possibleDuplicates, as createListing does.",
        security: bearerSecurity,
        params: SourceRecordParams,
        headers: IfMatchHeaders,
        body: SourceListingPut,
        response: {
          200: withHeaders(ref(ListingWithDuplicates), 'ETag'),
          201: withHeaders(ref(ListingWithDuplicates), 'ETag', 'Location'),
          ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const { source, externalId } = request.params
      const { listing, created } = await sources.upsertListing(
        requireActor(request),
        source,
        externalId,
        request.body,
        expectedVersion(request.headers['if-match']),
      )
      if (created) reply.code(201).header('location', `/v1/listings/${listing.id}`)
      return reply.header('etag', etagOf(listing.version)).send(listing)
    },
  )

  app.put(
    '/:source/demands/:externalId',
    {
      schema: {
        operationId: 'upsertSourceDemand',
        tags,
        summary: "Create or update a source's demand",
        description:
          "As upsertSourceListing, for a demand: created (201, with Location) the first time, updated (200) after, unchanged (200, no new version, no event) when the body says what is stored; its global id is `<source>:demand:<externalId>`. The body is the whole demand and its status: draft, open or closed (closeReason required; closeNote too for `other`). The lifecycle goes draft -> open -> closed, one step at a time (409 otherwise); closed is final. The rules of createDemand apply: only enterprises file demands (403), a budget range that is not empty, known provinces, a deadline not passed when opening (422). Only the admin and editor keys of the organisation that runs the source (acting for the demand's owner: by default that organisation, or a member enterprise, set once with ownerId), or the operator: 403 for others, 404 for an unknown source. If-Match as on updateDemand (412 when stale, or when the demand does not exist yet).",
        security: bearerSecurity,
        params: SourceRecordParams,
        headers: IfMatchHeaders,
        body: SourceDemandPut,
        response: {
          200: withHeaders(ref(Demand), 'ETag'),
          201: withHeaders(ref(Demand), 'ETag', 'Location'),
          ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const { source, externalId } = request.params
      const { demand, created } = await sources.upsertDemand(
        requireActor(request),
        source,
        externalId,
        request.body,
        expectedVersion(request.headers['if-match']),
      )
      if (created) reply.code(201).header('location', `/v1/demands/${demand.id}`)
      return reply.header('etag', etagOf(demand.version)).send(demand)
    },
  )
}
