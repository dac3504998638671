import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, IfMatchHeaders, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import {
  Organization,
  OrganizationCreate,
  OrganizationListQuery,
  OrganizationMerge,
  OrganizationPage,
  OrganizationSplit,
  OrganizationUpdate,
} from './organizations.schemas.ts'

const tags = ['organizations']

export const organizationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const organizations = app.services.organizations

  app.post(
    '/',
    {
      schema: {
        operationId: 'createOrganization',
        tags,
        summary: 'Register an organisation',
        description:
          "Registers a centre, institute, university, enterprise, connection point or authority. Operator keys register any kind. An admin key of a connection point or authority (DOST) onboards a member (enterprise, transfer centre, research institute or university): the organisation is created with an active delegation to the caller (origin onboarding: the member, once it has an admin key, sees it and may end it), in one transaction; an authority only in its own province (422 outside_province), a connection point only within the delegationScope the operator declared for it (422 outside_scope). delegationScope is the operator's to set, on connection points only. A tax code is unique among enterprises.",
        security: bearerSecurity,
        body: OrganizationCreate,
        response: { 201: withHeaders(ref(Organization), 'ETag', 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const organization = await organizations.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/organizations/${organization.id}`).header('etag', etagOf(organization.version)).send(organization)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'listOrganizations',
        tags,
        summary: 'List and search organisations',
        description:
          'Filter by kind, province (a legacy code finds the same organisations as its 2025 unit), parent and whether merged (default: merged and not merged alike); `q` matches part of the name without regard to diacritics. Sorted by name. Public.',
        querystring: OrganizationListQuery,
        response: { 200: ref(OrganizationPage), ...errorResponses(400, 401) },
      },
    },
    async (request) => organizations.list(request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getOrganization',
        tags,
        summary: 'Get an organisation',
        description: 'One organisation, with its ETag. Public. A merged organisation still answers, with mergedIntoId naming its successor.',
        params: IdParams,
        response: { 200: withHeaders(ref(Organization), 'ETag'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const organization = await organizations.get(request.params.id)
      return reply.header('etag', etagOf(organization.version)).send(organization)
    },
  )

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateOrganization',
        tags,
        summary: 'Update an organisation',
        description:
          "Changes the given fields (null clears an optional one). The organisation's own admin key, or the operator; taxCode, parentId and delegationScope (a connection point's reach for delegations; 422 invalid_scope on other kinds) only the operator. A merged organisation is read-only: 409 organization_merged. Send If-Match with the ETag you read to avoid overwriting someone else's change.",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: OrganizationUpdate,
        response: { 200: withHeaders(ref(Organization), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const organization = await organizations.update(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(organization.version)).send(organization)
    },
  )

  app.post(
    '/:id/merge',
    {
      schema: {
        operationId: 'mergeOrganization',
        tags,
        summary: 'Merge an organisation into its successor',
        description:
          "The operator merges this organisation (A) into intoOrganizationId (B), in one transaction: A becomes read-only and points to B (mergedIntoId), its API keys are revoked, its active delegations (as agent and as member) end with reason `merged`. A's listings and demands stay attributed to A; B's admin and editor keys manage them from then on, but may only withdraw listings and close demands. effectiveOn (default today, never later: 422 invalid_effective_date) is the day the merge took effect, which may be before it is recorded: reports count A's facts before that day for A and from it on for B. A merge is applied once: merging A again, or into a B that is merged itself, is a 409 already_merged. B unknown or equal to A is a 422. If-Match (A's ETag) is optional.",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: OrganizationMerge,
        response: { 200: withHeaders(ref(Organization), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const organization = await organizations.merge(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(organization.version)).send(organization)
    },
  )

  app.post(
    '/:id/split',
    {
      schema: {
        operationId: 'splitOrganization',
        tags,
        summary: 'Split an organisation between successors, by rule',
        description:
          "The operator splits this organisation (A) between two or more successors, in one transaction. Each of A's listings and demands gets the successor of the first rule it meets (a rule names provinces and VSIC sections; the last rule has no condition and names the default successor) as its stewardId: that successor's admin and editor keys manage it from then on, retiring only (withdraw a listing, close a demand), as after a merge. A's records stay attributed to A. A becomes read-only as a merged organisation is: splitInto holds the rules, mergedIntoId the default successor, its API keys are revoked and its active delegations end with reason `merged`. effectiveOn (default today, never later: 422 invalid_effective_date) dates the split: reports count A's facts before it for A, and from it on for each record's steward (tasks and events A led, for the default successor). A split or merge is applied once (409 already_merged). A successor that is A, unknown, or merged itself, rules that name fewer than two successors, or a condition on the last rule (or none on another) are a 422 invalid_successor. If-Match (A's ETag) is optional.",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: OrganizationSplit,
        response: { 200: withHeaders(ref(Organization), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const organization = await organizations.split(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(organization.version)).send(organization)
    },
  )
}
