import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

export const demandRoutes: FastifyPluginAsyncTypebox = async () => {}
