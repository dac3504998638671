// Named components for the OpenAPI document.
//
// Request schemas are written inline, because the request validator (TypeBox's compiler) does not
// resolve $ref, and inline enums repeat wherever a vocabulary is used. A generated client then
// invents a name for each copy: orval made 14 enums of the organisation kinds, and
// openapi-typescript needs operations['createListing']['requestBody']['content'][...] to name a
// body. So the document, not the validator, gets the names:
// - a schema with a `title` (a shared enum, a nested object worth a name) becomes
//   components.schemas[title], and each place it was used becomes a $ref to it;
// - a request body or a success response without a name is named after its operation
//   (CreateListingRequest, ListProvincesResponse) and moved there the same way.
// Response headers are declared once under components.headers.
// The site keeps its own annotations (default, examples, and an enum's description) beside the
// $ref, as OpenAPI 3.1 allows, so one enum serves fields that describe it differently.

type Schema = Record<string, unknown>
type Document = { paths?: Record<string, Record<string, unknown>>; components?: { schemas?: Record<string, Schema>; headers?: Record<string, Schema> } }

/** Keywords that describe a use of a schema rather than the schema itself. */
const siteKeywords = new Set(['description', 'default', 'examples', 'example', 'deprecated', 'readOnly', 'writeOnly'])
const schemaMaps = ['properties', 'patternProperties', '$defs', 'dependentSchemas']
const schemaLists = ['anyOf', 'oneOf', 'allOf', 'prefixItems']
const schemaValues = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties']
const httpMethods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options'])

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value)
const pascal = (operationId: string) => operationId.charAt(0).toUpperCase() + operationId.slice(1)

/**
 * Moves titled schemas, request bodies and success responses into components.schemas, in place.
 * Two different schemas under one name are a programming error, so they throw: the document is
 * built at start-up and by `npm run openapi`, and a test builds it.
 */
export function nameComponents(document: Document): Document {
  const components = (document.components ??= {})
  const schemas = (components.schemas ??= {})
  const definitions = new Map(Object.entries(schemas).map(([name, schema]) => [name, JSON.stringify(schema)]))

  const hoist = (schema: Schema, name: string): Schema => {
    const site: Schema = {}
    const definition: Schema = {}
    // An enum is described where it is used (one vocabulary, many fields); an object describes itself.
    const moves = (key: string) => siteKeywords.has(key) && (key !== 'description' || 'enum' in schema)
    for (const [key, value] of Object.entries(schema)) (moves(key) ? site : definition)[key] = value
    definition.title = name
    const named = visitChildren(definition)
    const text = JSON.stringify(named)
    const existing = definitions.get(name)
    if (existing === undefined) {
      definitions.set(name, text)
      schemas[name] = named
    } else if (existing !== text) {
      throw new Error(`Two different schemas are named ${name} in the OpenAPI document`)
    }
    return { $ref: `#/components/schemas/${name}`, ...site }
  }

  const visit = (schema: Schema): Schema => (typeof schema.title === 'string' && !('$ref' in schema) ? hoist(schema, schema.title) : visitChildren(schema))

  function visitChildren(schema: Schema): Schema {
    const result: Schema = { ...schema }
    for (const key of schemaMaps) {
      const map = schema[key]
      if (isSchema(map)) result[key] = Object.fromEntries(Object.entries(map).map(([name, child]) => [name, isSchema(child) ? visit(child) : child]))
    }
    for (const key of schemaLists) {
      const list = schema[key]
      if (Array.isArray(list)) result[key] = list.map((child) => (isSchema(child) ? visit(child) : child))
    }
    for (const key of schemaValues) {
      const child = schema[key]
      if (isSchema(child)) result[key] = visit(child)
    }
    return result
  }

  // Components first, so a titled schema nested in one is found before an operation names it.
  for (const [name, schema] of Object.entries(schemas)) schemas[name] = visitChildren(schema)

  for (const item of Object.values(document.paths ?? {})) {
    for (const [method, value] of Object.entries(item)) {
      if (!httpMethods.has(method) || !isSchema(value)) continue
      const operation = value as {
        operationId?: string
        parameters?: Array<{ schema?: Schema }>
        requestBody?: { content?: Record<string, { schema?: Schema }> }
        responses?: Record<string, { content?: Record<string, { schema?: Schema }>; headers?: Record<string, { schema?: Schema }> }>
      }
      const base = pascal(operation.operationId ?? '')
      for (const parameter of operation.parameters ?? []) if (parameter.schema) parameter.schema = visit(parameter.schema)
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        // A file upload's schema (a CSV or NDJSON body) is a string, not worth a name.
        if (media.schema) media.schema = type === 'application/json' ? nameUnlessReferenced(media.schema, `${base}Request`) : visit(media.schema)
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const media of Object.values(response.content ?? {})) {
          if (!media.schema) continue
          // Only JSON objects and arrays are worth a name; a CSV file's string schema is not.
          const worthNaming = /^2/.test(status) && (media.schema.type === 'object' || media.schema.type === 'array')
          media.schema = worthNaming ? nameUnlessReferenced(media.schema, `${base}Response`) : visit(media.schema)
        }
        for (const [name, header] of Object.entries(response.headers ?? {})) response.headers![name] = shareHeader(name, header)
      }
    }
  }
  return document

  /** A response header is declared once, under components.headers, and referred to everywhere. */
  function shareHeader(name: string, header: { schema?: Schema }): Schema {
    const shared = (components.headers ??= {})
    const text = JSON.stringify(header)
    if (shared[name] === undefined) shared[name] = header
    return JSON.stringify(shared[name]) === text ? { $ref: `#/components/headers/${name}` } : header
  }

  function nameUnlessReferenced(schema: Schema, fallback: string): Schema {
    if ('$ref' in schema) return schema
    return hoist(schema, typeof schema.title === 'string' ? schema.title : fallback)
  }
}

/**
 * Says in the document what the text guard (src/http/text-guard.ts) enforces: no string the API
 * takes or gives holds NUL, which PostgreSQL cannot store. Every JSON string schema without a
 * pattern, format or enum of its own gets the pattern, so a generator of test cases (or a form)
 * knows a NUL is refused. Lone surrogates are refused too, but a pattern cannot say so for every
 * regular expression engine.
 */
export function declareStorableText(document: Document): Document {
  const visit = (schema: unknown): void => {
    if (Array.isArray(schema)) return schema.forEach(visit)
    if (!isSchema(schema)) return
    if (schema.type === 'string' && !('pattern' in schema || 'format' in schema || 'enum' in schema || 'const' in schema)) schema.pattern = noNul
    for (const key of schemaMaps) if (isSchema(schema[key])) Object.values(schema[key] as Schema).forEach(visit)
    for (const key of [...schemaLists, ...schemaValues]) visit(schema[key])
  }
  Object.values(document.components?.schemas ?? {}).forEach(visit)
  for (const item of Object.values(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!httpMethods.has(method) || !isSchema(operation)) continue
      const { parameters, requestBody, responses } = operation as {
        parameters?: Array<{ in?: string; schema?: Schema }>
        requestBody?: { content?: Record<string, { schema?: Schema }> }
        responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>
      }
      // Headers are ASCII by the time they arrive; the guard reads path, query and body.
      for (const parameter of parameters ?? []) if (parameter.in !== 'header') visit(parameter.schema)
      for (const content of [requestBody?.content, ...Object.values(responses ?? {}).map((response) => response.content)]) {
        visit(content?.['application/json']?.schema)
      }
    }
  }
  return document
}

const noNul = '^[^\\u0000]*$'
