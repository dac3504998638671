import type { FastifyInstance } from 'fastify'
import { badRequest, type FieldError } from '../lib/problem.ts'
import { unstorableText } from '../lib/text.ts'

// A NUL in any field reached PostgreSQL and came back as a 500; an unpaired surrogate was silently
// stored as U+FFFD. Both are refused here, for path, query and body alike, with a pointer to each
// offending value, before schema validation and long before any query runs.

const escapePointer = (name: string) => name.replaceAll('~', '~0').replaceAll('/', '~1')

/** Every string (and object key) in a parsed value that cannot be stored, as field errors (at most 20). */
export function badTextIn(value: unknown, base: string): FieldError[] {
  const errors: FieldError[] = []
  // An explicit stack: a body may nest thousands of levels deep, too deep for recursion.
  const stack: Array<[unknown, string]> = [[value, base]]
  while (stack.length > 0 && errors.length < 20) {
    const [current, pointer] = stack.pop()!
    if (typeof current === 'string') {
      const detail = unstorableText(current)
      if (detail) errors.push({ pointer, detail })
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => stack.push([item, `${pointer}/${index}`]))
    } else if (current !== null && typeof current === 'object') {
      for (const [name, item] of Object.entries(current)) {
        const child = `${pointer}/${escapePointer(name)}`
        const detail = unstorableText(name)
        if (detail) errors.push({ pointer: child, detail: `is a field name that ${detail}` })
        else stack.push([item, child])
      }
    }
  }
  return errors
}

/** Refuses requests whose path, query or body holds text that cannot be stored (400 validation_failed). */
export function registerTextGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const errors = [...badTextIn(request.params, '#/params'), ...badTextIn(request.query, '#/query'), ...badTextIn(request.body, '#')]
    if (errors.length > 0) throw badRequest('validation_failed', 'Text must be valid Unicode without NUL characters; see errors', errors)
  })
}
