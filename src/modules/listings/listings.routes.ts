import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

export const listingRoutes: FastifyPluginAsyncTypebox = async () => {}
