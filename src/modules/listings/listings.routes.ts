import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, IfMatchHeaders, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import {
  Listing,
  ListingCreate,
  ListingPage,
  ListingRenew,
  ListingSearchQuery,
  ListingUnpublish,
  ListingUpdate,
  ListingWithDuplicates,
  ListingWithdraw,
} from './listings.schemas.ts'

const tags = ['listings']

export const listingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const listings = app.services.listings

  app.post(
    '/',
    {
      schema: {
        operationId: 'createListing',
        tags,
        summary: 'Create a listing (draft)',
        description:
          "Creates a draft listing owned by the key's organisation (operator, admin or editor keys), or by `ownerId`: a member that delegated to the caller's connection point or DOST (any organisation for the operator; 403 otherwise; the successor of a merged organisation too). A merged organisation files nothing new: 409 organization_merged. A price type of amount needs priceVnd; negotiable forbids it; on_request may hold the asking price, hidden from others until a deal reveals it. An anonymous listing hides its owner's id and name (not its kind) the same way. IPR numbers go only with patent or utility solution statuses. Province codes may be legacy codes: they are kept as filed and resolved to the 2025 units. The answer lists possibleDuplicates: up to 5 published listings (or the owner's own drafts) that hold most of this one's title and text, weighed by rarity, with or without diacritics (see PossibleDuplicate), a warning only.",
        security: bearerSecurity,
        body: ListingCreate,
        response: { 201: withHeaders(ref(ListingWithDuplicates), 'ETag', 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const listing = await listings.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/listings/${listing.id}`).header('etag', etagOf(listing.version)).send(listing)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'searchListings',
        tags,
        summary: 'Search listings',
        description:
          'Full-text search without regard to diacritics and tolerant of a typo per word, with filters (kind, sector, S&T field, province, legacy or current, region, TRL and price ranges, owner, status). Sorted by relevance when q is given, else newest first; pages through opaque cursors. Facets count kinds, provinces and TRLs over the whole filtered set. Public: anyone sees published and expired listings; drafts and withdrawn ones are for the operator, or the owner or its delegate asking with owner=<owner id>. Summaries hide the owner of an anonymous listing and a price on request from those who do not act for the owner (see redacted), and owner= leaves the anonymous listings of that owner out for them.',
        querystring: ListingSearchQuery,
        response: { 200: ref(ListingPage), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => listings.search(request.actor, request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getListing',
        tags,
        summary: 'Get a listing',
        description:
          "One listing with its ETag. Published listings (expired ones included) are public; drafts and withdrawn listings are visible only to the owner's keys, its delegates' keys and the operator, and 404 to anyone else. Confidential fields (an anonymous listing's owner, undisclosed contacts and IPR numbers, a price on request) are null for others until their deal on the listing reveals them (see redacted).",
        params: IdParams,
        response: { 200: withHeaders(ref(Listing), 'ETag'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const listing = await listings.get(request.actor, request.params.id)
      return reply.header('etag', etagOf(listing.version)).send(listing)
    },
  )

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateListing',
        tags,
        summary: 'Update a listing',
        description:
          "Changes the given fields (null clears an optional one) of a draft, published, expired or archived listing (a validUntil moved ahead, or cleared, brings an archived one back to published); a withdrawn listing is final (409). The owner's or its delegates' admin or editor keys, or the operator. Send If-Match with the ETag you read to avoid overwriting someone else's change (412 when stale).",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: ListingUpdate,
        response: { 200: withHeaders(ref(Listing), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const listing = await listings.update(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(listing.version)).send(listing)
    },
  )

  app.post(
    '/:id/renew',
    {
      schema: {
        operationId: 'renewListing',
        tags,
        summary: 'Renew a listing',
        description:
          "Moves a published (or expired, or archived) listing's validUntil ahead in one call, with no If-Match: to the body's validUntil, or (with an empty object) a year after the later of today and the current date. Open from LISTING_RENEWAL_REMINDER_DAYS before validUntil on, when the listing.renewal_due reminder goes out, and any time after it: earlier, or for a listing without validUntil, 409 renewal_not_due; 409 invalid_state for a draft or withdrawn listing; 422 for a date not after the current one. An archived listing comes back to published. The owner's or its delegates' admin or editor keys, or the operator.",
        security: bearerSecurity,
        params: IdParams,
        body: ListingRenew,
        response: { 200: withHeaders(ref(Listing), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const listing = await listings.renew(requireActor(request), request.params.id, request.body)
      return reply.header('etag', etagOf(listing.version)).send(listing)
    },
  )

  app.post(
    '/:id/publish',
    {
      schema: {
        operationId: 'publishListing',
        tags,
        summary: 'Publish a draft listing',
        description:
          "Makes a draft public and stamps publishedAt. Refused (422) when validUntil is already past in Vietnam, and (409, with the transitions allowed) from any state but draft. The owner's or its delegates' admin or editor keys, or the operator. No body.",
        security: bearerSecurity,
        params: IdParams,
        response: { 200: withHeaders(ref(Listing), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const listing = await listings.publish(requireActor(request), request.params.id)
      return reply.header('etag', etagOf(listing.version)).send(listing)
    },
  )

  app.post(
    '/:id/withdraw',
    {
      schema: {
        operationId: 'withdrawListing',
        tags,
        summary: 'Withdraw a listing',
        description:
          "Takes a published (or expired, or archived) listing off the exchange for good, with a reason shown on it. 409, with the transitions allowed, from any other state. The owner's or its delegates' admin or editor keys, or the operator.",
        security: bearerSecurity,
        params: IdParams,
        body: ListingWithdraw,
        response: { 200: withHeaders(ref(Listing), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const listing = await listings.withdraw(requireActor(request), request.params.id, request.body.reason)
      return reply.header('etag', etagOf(listing.version)).send(listing)
    },
  )

  app.post(
    '/:id/unpublish',
    {
      schema: {
        operationId: 'unpublishListing',
        tags,
        summary: 'Unpublish a listing (operator moderation)',
        description:
          "Sends a published (or expired) listing back to draft, recording moderationReason and moderatedAt; the owner sees the reason, may edit the listing and publish it again (publishing clears the two fields; the audit trail keeps them). Operator keys only (403 for others; 404 for a listing the caller cannot see). 409, with the transitions of the listing's state, from any other state.",
        security: bearerSecurity,
        params: IdParams,
        body: ListingUnpublish,
        response: { 200: withHeaders(ref(Listing), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const listing = await listings.unpublish(requireActor(request), request.params.id, request.body.reason)
      return reply.header('etag', etagOf(listing.version)).send(listing)
    },
  )
}
