import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { assertProblem } from '../helpers/problem.ts'

// Security headers (helmet) on API responses and on the Swagger UI under /docs.

const { app } = await buildTestApp(t)

t.test('API responses: nosniff and a CSP that allows nothing, errors included', async (t) => {
  const responses = {
    read: await app.inject({ method: 'GET', url: '/v1/reference/regions' }),
    unauthorized: await app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { authorization: 'Bearer broken' } }),
    missing: await app.inject({ method: 'GET', url: '/v1/no-such-thing' }),
    probe: await app.inject({ method: 'GET', url: '/health' }),
  }
  assertProblem(t, responses.unauthorized, 401, 'unauthorized')
  assertProblem(t, responses.missing, 404, 'route_not_found')
  for (const [name, response] of Object.entries(responses)) {
    t.equal(response.headers['x-content-type-options'], 'nosniff', `${name}: nosniff`)
    t.equal(response.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", `${name}: CSP`)
    t.equal(response.headers['x-frame-options'], 'SAMEORIGIN', `${name}: X-Frame-Options`)
    t.equal(response.headers['referrer-policy'], 'no-referrer', `${name}: Referrer-Policy`)
    t.equal(response.headers['x-powered-by'], undefined)
  }
})

t.test('/docs/json names the server it was fetched from when PUBLIC_BASE_URL is unset', async (t) => {
  const served = await app.inject({ method: 'GET', url: '/docs/json', headers: { host: 'portal.example.vn:8080' } })
  t.equal(served.statusCode, 200)
  t.same(served.json().servers, [{ url: 'http://portal.example.vn:8080', description: 'This server' }])
  const configured = await buildTestApp(t, { PUBLIC_BASE_URL: 'https://api.example.vn' })
  const fixed = await configured.app.inject({ method: 'GET', url: '/docs/json', headers: { host: 'portal.example.vn:8080' } })
  t.same(fixed.json().servers, [{ url: 'https://api.example.vn', description: 'This server' }], 'PUBLIC_BASE_URL wins when set')
})

t.test('/docs: Swagger UI renders, under a CSP that lets its own assets load', async (t) => {
  const page = await app.inject({ method: 'GET', url: '/docs' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  const csp = String(page.headers['content-security-policy'])
  t.match(csp, /default-src 'self'/)
  t.match(csp, /script-src 'self'/)
  t.match(csp, /style-src 'self'/)
  t.match(csp, /object-src 'none'/)
  t.notMatch(csp, /upgrade-insecure-requests/, 'no upgrade: the docs also work over plain http')
  t.notMatch(csp, /'unsafe-eval'/)
  t.equal(page.headers['x-content-type-options'], 'nosniff')
  t.equal(page.headers['x-frame-options'], 'SAMEORIGIN')

  // Every script and stylesheet the page names is served, same-origin (allowed by 'self'), with the same CSP.
  const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)
  t.ok(
    assets.some((asset) => asset.endsWith('swagger-ui-bundle.js')),
    'the page loads the bundle',
  )
  t.notMatch(page.body, /<script>|<style>|\son[a-z]+=/, 'no inline script or style for the CSP to block')
  for (const asset of assets) {
    t.notMatch(asset, /^(https?:)?\/\//, `${asset} is same-origin`)
    const response = await app.inject({ method: 'GET', url: asset.startsWith('/') ? asset : `/docs/${asset}` })
    t.equal(response.statusCode, 200, asset)
    t.equal(response.headers['content-security-policy'], csp, `${asset}: same CSP`)
    t.equal(response.headers['x-content-type-options'], 'nosniff', `${asset}: nosniff`)
  }

  const index = await app.inject({ method: 'GET', url: '/docs/static/index.html' })
  t.equal(index.statusCode, 302, 'the static index sends the browser to /docs/')
  const followed = await app.inject({ method: 'GET', url: String(index.headers.location) })
  t.equal(followed.statusCode, 200)
  t.equal(followed.headers['content-security-policy'], csp)
  const initializer = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
  t.equal(initializer.statusCode, 200)
  t.match(initializer.body, /SwaggerUIBundle/)
})
