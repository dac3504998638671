import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import type { FastifySchemaCompiler } from 'fastify'
import type { TSchema } from 'typebox'

// The validator of each part of a request: TypeBox's (types, formats, ranges, unknown body
// fields), after two checks its conversion of query, path and header strings would skip:
// - a number or a boolean is written as one: `limit=true` is not 1 and `limit=1e1` not 10;
// - a query parameter the operation does not declare is refused and named, not ignored, so a
//   misspelt filter (`provice=01`) is not silently a search of everything;
// and one step: a filter that takes several values (a repeated parameter) is a list even when
// given once, as the router hands a single value over as a plain string.

type Issue = { instancePath: string; keyword: string; message: string; params?: Record<string, unknown> }
type PropertySchema = { type?: unknown }

const written: Record<string, { pattern: RegExp; message: string }> = {
  integer: { pattern: /^-?\d+$/, message: 'must be an integer, written in digits' },
  number: { pattern: /^-?\d+(\.\d+)?$/, message: 'must be a number, written in digits' },
  boolean: { pattern: /^(true|false)$/, message: 'must be true or false' },
}

export const requestValidator: FastifySchemaCompiler<TSchema> = (route) => {
  const check = TypeBoxValidatorCompiler(route)
  if (route.httpPart === 'body') return check
  const properties = ((route.schema as { properties?: Record<string, PropertySchema> }).properties ?? {}) as Record<string, PropertySchema>
  return (value) => {
    const issues: Issue[] = []
    for (const [name, given] of Object.entries((value ?? {}) as Record<string, unknown>)) {
      const property = properties[name]
      if (!property) {
        if (route.httpPart === 'querystring') {
          issues.push({ instancePath: '', keyword: 'additionalProperties', message: 'is not a known parameter', params: { additionalProperties: [name] } })
        }
        continue
      }
      // A filter that takes several values (a repeated parameter) arrives as a string when given once.
      if (property.type === 'array' && typeof given === 'string') (value as Record<string, unknown>)[name] = [given]
      const rule = typeof property.type === 'string' ? written[property.type] : undefined
      if (rule && typeof given === 'string' && !rule.pattern.test(given)) issues.push({ instancePath: `/${name}`, keyword: 'type', message: rule.message })
    }
    return issues.length > 0 ? { error: issues as never } : check(value)
  }
}
