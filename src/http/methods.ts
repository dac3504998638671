import FindMyWay, { type HTTPMethod } from 'find-my-way'
import type { FastifyInstance } from 'fastify'

// Which methods a path answers, for 405 Method Not Allowed with its Allow header (RFC 9110
// 15.5.6): Fastify's router only says that no route matched, not whether another method would
// have. A second router holds every route by method and is asked only once Fastify found none.

const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

/** Records each route as it is added; the function it returns lists the methods a path answers. */
export function trackRouteMethods(app: FastifyInstance): (path: string) => string[] {
  const router = FindMyWay()
  app.addHook('onRoute', (route) => {
    // A catch-all (CORS answering every preflight) says nothing about a resource.
    if (route.url.includes('*')) return
    for (const given of Array.isArray(route.method) ? route.method : [route.method]) {
      const method = given.toUpperCase() as HTTPMethod
      if (!router.hasRoute(method, route.url)) router.on(method, route.url, () => {})
    }
  })
  return (path) => methods.filter((method) => router.find(method, path) !== null)
}
