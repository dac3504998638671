import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { createApiKey } from '../src/core/keys.ts'
import { formatOpenApiDocument, generateOpenApiDocument } from '../src/openapi/generate.ts'
import { buildTestApp } from './helpers/app.ts'
import { createMember, createOperator } from './helpers/factories.ts'
import { generateClient } from './helpers/openapi-client.ts'

// The committed OpenAPI document is a product: integrators generate clients from it. These tests
// keep it fresh, complete, lint-clean, and usable by a generated TypeScript client.

const documentFile = path.resolve('openapi/openapi.json')
const committedText = readFileSync(documentFile, 'utf8')
const committed = JSON.parse(committedText) as OpenApiDocument

type Parameter = { in: string; name: string; required?: boolean }
type Operation = {
  operationId?: string
  tags?: string[]
  summary?: string
  description?: string
  parameters?: Parameter[]
  requestBody?: { content?: Record<string, unknown> }
  security?: Array<Record<string, string[]>>
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>
}
type OpenApiDocument = {
  openapi: string
  servers?: Array<{ url: string }>
  tags?: Array<{ name: string }>
  security?: Array<Record<string, string[]>>
  paths: Record<string, Record<string, Operation>>
}

const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options'])
const operations = Object.entries(committed.paths).flatMap(([route, item]) =>
  Object.entries(item)
    .filter(([method]) => methods.has(method))
    .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${route}`, route, operation })),
)

t.test('openapi/openapi.json is what the routes generate now', async (t) => {
  const fresh = formatOpenApiDocument(await generateOpenApiDocument())
  t.ok(fresh === committedText, 'openapi/openapi.json is stale: run `npm run openapi` and commit the result')
  if (fresh !== committedText) {
    // Name the operations that differ, so the failure says where to look.
    const freshPaths = (JSON.parse(fresh) as OpenApiDocument).paths
    const changed = [...new Set([...Object.keys(freshPaths), ...Object.keys(committed.paths)])].filter(
      (route) => JSON.stringify(freshPaths[route]) !== JSON.stringify(committed.paths[route]),
    )
    t.comment(`paths that differ: ${changed.join(', ') || '(none: the difference is outside paths)'}`)
  }
  t.match(committedText, /\n$/, 'ends with a newline')
  t.equal(committedText, formatOpenApiDocument(committed), 'is 2-space pretty JSON')
  t.same(committed.servers, [{ url: 'http://localhost:3000', description: 'This server' }], 'servers do not depend on the environment')
})

t.test('every operation is documented completely', async (t) => {
  t.equal(committed.openapi, '3.1.0')
  t.ok(operations.length > 0, `the document has operations (${operations.length})`)
  const tagNames = new Set((committed.tags ?? []).map((tag) => tag.name))
  const operationIds = new Map<string, string>()

  for (const { name, route, operation } of operations) {
    t.test(name, async (t) => {
      const id = operation.operationId ?? ''
      t.match(id, /^[a-z][A-Za-z0-9]+$/, 'has a camelCase operationId')
      t.notOk(operationIds.has(id), `operationId ${id} is unique (also on ${operationIds.get(id)})`)
      operationIds.set(id, name)
      t.ok(operation.tags?.length, 'has tags')
      for (const tag of operation.tags ?? []) t.ok(tagNames.has(tag), `tag ${tag} is declared at the top level`)
      t.ok(operation.summary?.trim(), 'has a summary')
      t.ok(operation.description?.trim(), 'has a description')

      const responses = operation.responses ?? {}
      const statuses = Object.keys(responses)
      // The probes answer for themselves in plain JSON, 503 included; every other error is a problem.
      const probe = operation.tags?.includes('health') ?? false
      t.ok(
        statuses.some((status) => /^2\d\d$/.test(status)),
        'declares a success response',
      )
      for (const status of statuses) {
        const response = responses[status]!
        t.ok(response.description, `${status} has a description`)
        if (/^4\d\d$/.test(status) || (status === '503' && !probe)) {
          t.same(response.content, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }, `${status} is a problem+json Problem`)
        } else if (status !== '204' && status !== '304') {
          // JSON, or a file (an export): CSV, with NDJSON beside it; or a stored file's bytes, each type declared as binary.
          const binary = (schema: unknown) => (schema as { format?: string } | undefined)?.format === 'binary'
          const files = Object.values(response.content ?? {})
          t.ok(
            response.content?.['application/json']?.schema ??
              response.content?.['text/csv']?.schema ??
              (files.length > 0 && files.every((file) => binary(file.schema))),
            `${status} has a JSON schema, is a CSV file, or is binary content`,
          )
        }
      }

      // Statuses the shared machinery can produce, whatever the handler does:
      const expect = (status: string, why: string) => t.ok(responses[status], `declares ${status}: ${why}`)
      expect('401', 'the auth hook refuses a malformed or unknown key on every route')
      if (!probe) expect('503', 'it may need the database (if only to check a key), which may be unreachable for a moment')
      // If-None-Match, on every GET, is read by a hook and never refused (src/http/conditional.ts).
      const parameters = (operation.parameters ?? []).filter((parameter) => parameter.name !== 'if-none-match')
      if (parameters.length > 0 || operation.requestBody) expect('400', 'its parameters or body are validated')
      if (operation.requestBody) {
        expect('413', 'it takes a body, which has a size limit')
        expect('415', 'it takes a JSON body')
        const content = operation.requestBody.content ?? {}
        t.ok(
          content['application/json'] ??
            (content['text/csv'] && content['application/x-ndjson']) ??
            (content['multipart/form-data'] as { schema?: unknown } | undefined)?.schema,
          'the body is JSON, a file upload (CSV or NDJSON), or a form with a file (multipart/form-data)',
        )
      }
      if (route.includes('{id}')) expect('404', 'it names a resource by id')
      if (parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'if-match')) {
        expect('412', 'it takes If-Match')
      }
      const security = operation.security ?? committed.security ?? []
      const keyRequired = security.length > 0 && security.every((requirement) => Object.keys(requirement).length > 0)
      if (keyRequired) expect('403', 'it needs a key, and a key may lack the role')
      if (operation.requestBody) t.ok(keyRequired, 'a write requires an API key')
    })
  }
})

t.test("README.md's endpoint table lists every operation", async (t) => {
  const readme = readFileSync('README.md', 'utf8')
  for (const { name, route, operation } of operations) {
    const row = `| ${name.split(' ')[0]} | \`${route}\` | \`${operation.operationId}\` |`
    t.ok(readme.includes(row), `README.md has a row for ${name} (${operation.operationId})`)
  }
})

t.test('redocly lint finds no errors', async (t) => {
  const redocly = path.resolve('node_modules/.bin/redocly')
  const result = await promisify(execFile)(redocly, ['lint', '--format=stylish', documentFile], {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    timeout: 120_000,
  }).then(
    (output) => ({ code: 0, ...output }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  )
  t.equal(result.code, 0, `redocly lint exits 0\n${result.stdout}${result.stderr}`)
  t.notMatch(result.stdout, /\berror\b\s+\S/, 'no error lines')
})

t.test('a client generated with openapi-typescript + openapi-fetch works against a live server', async (t) => {
  const client = await generateClient(documentFile)
  t.teardown(client.cleanup)
  t.pass('openapi-typescript generated types and tsc accepted the client program')

  const { app, db } = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const operator = await createOperator(db)

  const program = (await import(client.programFile)) as {
    runScenario: (
      baseUrl: string,
      operatorKey: string,
      keyFor: (id: string) => Promise<string>,
      word: string,
    ) => Promise<{
      organization: { status: number; id: string }
      created: { status: number; id: string; state: string; owner: string }
      published: { status: number; state: string }
      search: { status: number; ids: string[] }
      missing: { status: number; code?: string }
    }>
  }
  const keyFor = async (organizationId: string) => (await createApiKey(db, { organizationId, role: 'admin' })).key
  const result = await program.runScenario(`http://127.0.0.1:${port}`, operator.key, keyFor, 'trichoderma')
  t.equal(result.organization.status, 201, 'createOrganization')
  t.equal(result.created.status, 201, 'createListing')
  t.equal(result.created.owner, result.organization.id, 'the listing belongs to the new organisation')
  t.equal(result.created.state, 'draft', 'a new listing is a draft')
  t.equal(result.published.status, 200, 'publishListing')
  t.equal(result.published.state, 'published', 'the listing is published')
  t.equal(result.search.status, 200, 'searchListings')
  t.same(result.search.ids, [result.created.id], 'the search finds the published listing')
  t.same(result.missing, { status: 404, code: 'not_found' }, 'a typed error body for a missing listing')
})

t.test('bodies, responses and shared vocabularies are named components', async (t) => {
  const schemaOf = (media: { schema?: unknown } | undefined) => media?.schema as { $ref?: string; type?: string } | undefined
  for (const { name, operation } of operations) {
    const body = schemaOf(operation.requestBody?.content?.['application/json'] as { schema?: unknown } | undefined)
    if (body) t.match(body.$ref, /^#\/components\/schemas\/[A-Z]\w+$/, `${name}: its JSON body is a named component`)
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      const schema = schemaOf(response.content?.['application/json'])
      if (/^2/.test(status) && schema) t.match(schema.$ref, /^#\/components\/schemas\/[A-Z]\w+$/, `${name}: its ${status} body is a named component`)
    }
  }

  // A shape written out in two places is two types in a generated client (orval made 14 enums of
  // the organisation kinds); an enum or an object used once may stay where it is.
  const inlineShapes = new Map<string, string[]>()
  const annotations = new Set(['description', 'default', 'examples', 'example'])
  const walk = (node: unknown, where: string, topLevel: boolean) => {
    if (Array.isArray(node)) return node.forEach((child, index) => walk(child, `${where}/${index}`, false))
    if (typeof node !== 'object' || node === null) return
    const shape = node as { enum?: unknown[]; properties?: object }
    // An enum is its values, wherever it is, a component's own included; an object is its keywords.
    const isEnum = Array.isArray(shape.enum) && shape.enum.length > 1
    if (isEnum || (!topLevel && shape.properties)) {
      const key = isEnum
        ? `enum ${JSON.stringify([...shape.enum!].sort())}`
        : JSON.stringify(Object.fromEntries(Object.entries(shape).filter(([keyword]) => !annotations.has(keyword))))
      inlineShapes.set(key, [...(inlineShapes.get(key) ?? []), where])
    }
    for (const [key, child] of Object.entries(node)) if (key !== 'examples' && key !== 'example') walk(child, `${where}/${key}`, false)
  }
  const document = committed as OpenApiDocument & { components: { schemas: Record<string, unknown> } }
  walk(document.paths, '#/paths', false)
  for (const [component, schema] of Object.entries(document.components.schemas)) walk(schema, `#/components/schemas/${component}`, true)
  for (const [shape, places] of inlineShapes) t.equal(places.length, 1, `${shape.slice(0, 80)} is written once, not at ${places.join(', ')}`)
  t.ok(document.components.schemas.OrganizationKind, 'the organisation kinds are one component')
})

t.test('strings declare what the text guard enforces: no NUL', async (t) => {
  const schemas = (committed as unknown as { components: { schemas: Record<string, { properties: Record<string, { pattern?: string }> }> } }).components.schemas
  const pattern = new RegExp(schemas.CreateListingRequest!.properties.titleVi!.pattern ?? '', 'u')
  t.ok(pattern.test('Máy sấy lúa 10 tấn/mẻ'), 'Vietnamese text matches')
  t.notOk(pattern.test('Máy sấy\u0000lúa'), 'a NUL does not')
  const { app, db } = await buildTestApp(t)
  const member = await createMember(db)
  const refused = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: member.auth,
    payload: { kind: 'technology', titleVi: 'Máy sấy\u0000lúa', descriptionVi: 'Mô tả' },
  })
  t.equal(refused.statusCode, 400, 'and the server refuses it')
})

t.test('every operation shows an example of its JSON body and of a JSON answer', async (t) => {
  // Recorded from the test suite (scripts/collect-examples.ts); Redocly's
  // no-invalid-media-type-examples, above, checks each against its schema.
  for (const { name, operation } of operations) {
    const body = operation.requestBody?.content?.['application/json'] as { example?: unknown } | undefined
    if (body) t.ok(body.example !== undefined, `${name}: its body has an example`)
    const answers = Object.entries(operation.responses ?? {}).filter(([status, response]) => /^2/.test(status) && response.content?.['application/json'])
    if (answers.length > 0) {
      t.ok(
        answers.some(([, response]) => (response.content!['application/json'] as { example?: unknown }).example !== undefined),
        `${name}: an answer has an example`,
      )
    }
  }
})
