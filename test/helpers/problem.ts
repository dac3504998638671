import type { Test } from 'tap'

type Response = { statusCode: number; headers: Record<string, unknown>; json: () => unknown }
export type ProblemBody = {
  type: string
  title: string
  status: number
  detail?: string
  instance?: string
  code: string
  requestId: string
  errors?: { pointer: string; detail: string }[]
  /** On a 409 about a state: what the caller may do instead. */
  allowed?: string[]
}

/** Asserts an RFC 9457 problem of this status and code, with every member we promise; returns it. */
export function assertProblem(t: Test, response: Response, status: number, code: string): ProblemBody {
  t.equal(response.statusCode, status, `status ${status} (${code})`)
  t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
  const body = response.json() as ProblemBody
  t.match(body, { type: `/problems/${code.replaceAll('_', '-')}`, title: String, status, detail: String, instance: String, code, requestId: String })
  t.equal(body.requestId, response.headers['x-request-id'], 'requestId is the X-Request-Id header')
  return body
}

/** The pointers of a problem's field errors. */
export const pointers = (problem: ProblemBody) => (problem.errors ?? []).map((error) => error.pointer)
