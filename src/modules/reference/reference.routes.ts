import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, ref } from '../../http/common.schemas.ts'
import { legacyProvinces, provinces, regions } from '../../core/places.ts'
import { LegacyProvince, Province, Region, Term } from './reference.schemas.ts'
import * as vocabularies from './vocabularies.ts'

const vocabularyRoutes = [
  { path: '/organization-kinds', operationId: 'listOrganizationKinds', summary: 'Kinds of organisation', terms: vocabularies.organizationKinds },
  {
    path: '/listing-kinds',
    operationId: 'listListingKinds',
    summary: 'Kinds of listing (objects of transfer, Law 07/2017 Art. 4)',
    terms: vocabularies.listingKinds,
  },
  {
    path: '/transfer-forms',
    operationId: 'listTransferForms',
    summary: 'Forms of technology transfer (Law 07/2017 Art. 5)',
    terms: vocabularies.transferForms,
  },
  {
    path: '/transfer-methods',
    operationId: 'listTransferMethods',
    summary: 'Methods of technology transfer (Law 07/2017 Art. 6)',
    terms: vocabularies.transferMethods,
  },
  { path: '/ipr-statuses', operationId: 'listIprStatuses', summary: 'Intellectual property statuses of a listing', terms: vocabularies.iprStatuses },
  { path: '/price-types', operationId: 'listPriceTypes', summary: 'How a listing states its price', terms: vocabularies.priceTypes },
  { path: '/trl-levels', operationId: 'listTrlLevels', summary: 'Technology readiness levels 1-9', terms: vocabularies.trlLevels },
  { path: '/science-fields', operationId: 'listScienceFields', summary: 'S&T fields, level 1 (Circular 24/2025/TT-BKHCN)', terms: vocabularies.scienceFields },
  { path: '/sectors', operationId: 'listSectors', summary: 'Economic sectors (VSIC 2018 sections)', terms: vocabularies.sectors },
  { path: '/demand-close-reasons', operationId: 'listDemandCloseReasons', summary: 'Reasons for closing a demand', terms: vocabularies.demandCloseReasons },
]

const list = <T>(items: T) => ({ items })

// Public, but the auth hook still answers 401 to a malformed or unknown key: hence errorResponses(401).

export const referenceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Reference data only changes with a release: let clients and proxies cache it for a day.
  app.addHook('onSend', async (_request, reply) => {
    if (reply.statusCode === 200 || reply.statusCode === 304) reply.header('cache-control', 'public, max-age=86400')
  })

  for (const route of vocabularyRoutes) {
    app.get(
      route.path,
      {
        schema: {
          operationId: route.operationId,
          tags: ['reference'],
          summary: route.summary,
          description: `${route.summary}: the codes the API accepts, with Vietnamese and English labels. Public.`,
          response: { 200: Type.Object({ items: Type.Array(ref(Term)) }), ...errorResponses(401) },
        },
      },
      async () => list([...route.terms]),
    )
  }

  app.get(
    '/provinces',
    {
      schema: {
        operationId: 'listProvinces',
        tags: ['reference'],
        summary: 'The 34 provinces and cities of 2025',
        description: 'The province-level units in force since 1 July 2025, each with the legacy units it absorbed and their regions. Public.',
        response: { 200: Type.Object({ items: Type.Array(ref(Province)) }), ...errorResponses(401) },
      },
    },
    async () => list(provinces),
  )
  app.get(
    '/legacy-provinces',
    {
      schema: {
        operationId: 'listLegacyProvinces',
        tags: ['reference'],
        summary: 'The 63 provinces before 1 July 2025',
        description:
          'The legacy units, their geographic region and the 2025 unit each became. Records filed under a legacy code stay valid and are found by either code. Public.',
        response: { 200: Type.Object({ items: Type.Array(ref(LegacyProvince)) }), ...errorResponses(401) },
      },
    },
    async () => list(legacyProvinces),
  )
  app.get(
    '/regions',
    {
      schema: {
        operationId: 'listRegions',
        tags: ['reference'],
        summary: 'Geographic regions',
        description: 'The eight geographic regions used to filter by region. Public.',
        response: { 200: Type.Object({ items: Type.Array(ref(Region)) }), ...errorResponses(401) },
      },
    },
    async () => list(regions),
  )
}
