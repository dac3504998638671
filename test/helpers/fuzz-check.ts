import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Operation } from './fuzz-schema.ts'

// What every fuzzed response must be: never a 5xx; every 4xx an RFC 9457 problem document whose
// requestId is the X-Request-Id header; and for a write, a refusal.

/** Outcomes by status code, for the report: "N fuzzed requests: X x 400, Y x 404, ...". */
export class Outcomes {
  readonly byStatus = new Map<number, number>()
  add(status: number) {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1)
  }
  merge(other: Outcomes) {
    for (const [status, count] of other.byStatus) this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + count)
  }
  get total() {
    return [...this.byStatus.values()].reduce((sum, count) => sum + count, 0)
  }
  get serverErrors() {
    return [...this.byStatus].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0)
  }
  toString() {
    const parts = [...this.byStatus].sort(([a], [b]) => a - b).map(([status, count]) => `${count}x${status}`)
    return `${this.total} requests: ${parts.join(', ')}`
  }
}

type ProblemShape = { type?: unknown; title?: unknown; status?: unknown; code?: unknown; requestId?: unknown }

/** What is wrong with a response, or undefined when it is acceptable. */
export function responseProblem(operation: Operation, response: LightMyRequestResponse): string | undefined {
  const status = response.statusCode
  if (status >= 500) return `a ${status}`
  const type = String(response.headers['content-type'] ?? '')
  if (status >= 400) {
    if (!type.startsWith('application/problem+json')) return `a ${status} served as ${type || 'no content type'}`
    let body: ProblemShape
    try {
      body = response.json() as ProblemShape
    } catch {
      return `a ${status} whose body is not JSON`
    }
    if (typeof body.type !== 'string' || !body.type.startsWith('/problems/')) return `a ${status} without a problem type`
    if (typeof body.title !== 'string' || typeof body.code !== 'string') return `a ${status} without title or code`
    if (body.status !== status) return `a ${status} whose body says status ${String(body.status)}`
    if (typeof body.requestId !== 'string' || body.requestId !== response.headers['x-request-id'])
      return `a ${status} whose requestId is not the X-Request-Id header`
    return undefined
  }
  if (operation.isWrite) return `a malformed write was accepted (${status})`
  // JSON, or a file the operation documents (an export's CSV or NDJSON).
  const served = operation.responseTypes.length > 0 ? operation.responseTypes : ['application/json']
  if (!served.some((documented) => type.startsWith(documented))) return `a ${status} served as ${type || 'no content type'}`
  return undefined
}

/** One line to reproduce a finding. */
export function describeFinding(operation: Operation, labels: string[], request: InjectOptions, response: LightMyRequestResponse, problem: string): string {
  const payload = request.payload === undefined ? '' : ` body=${String(request.payload).slice(0, 160)}`
  return `${operation.operationId}: ${problem} for [${labels.join('; ')}] ${request.method} ${String(request.url).slice(0, 160)}${payload} -> ${response.body.slice(0, 200)}`
}
