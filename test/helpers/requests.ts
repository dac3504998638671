import type { FastifyInstance } from 'fastify'
import type { Db } from '../../src/db/client.ts'
import { createApiKey } from '../../src/core/keys.ts'

// The two small helpers the tests of organisations acting for others share: a key of a given role
// as an authorization header, and a request with an optional header set and body.

export type Auth = Record<string, string>

/** A fresh key of `role` for the organisation, as the header that carries it. */
export const keyMaker =
  (db: Db) =>
  async (organizationId: string, role: 'admin' | 'editor' | 'reader'): Promise<Auth> => ({
    authorization: `Bearer ${(await createApiKey(db, { organizationId, role })).key}`,
  })

/** One request through the app, with the headers and body when given. */
export const sender = (app: FastifyInstance) => (method: 'GET' | 'POST' | 'PATCH', url: string, headers?: Auth, payload?: unknown) =>
  app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) })
