// The parts of autocannon 8 the bench uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  type Request = { method?: string; path?: string; headers?: Record<string, string>; body?: string }
  type Options = {
    url: string
    connections?: number
    duration?: number
    /** Stop after this many requests, instead of after `duration`. */
    amount?: number
    timeout?: number
    requests?: (Request & { setupRequest?: (request: Request, context: object) => Request })[]
  }
  type Histogram = { average: number; mean: number; p50: number; p90: number; p97_5: number; p99: number; max: number; min: number }
  export type Result = {
    requests: Histogram & { total: number }
    latency: Histogram
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats: Record<string, { count: number }>
  }
  type Instance = EventEmitter & PromiseLike<Result>

  function autocannon(options: Options): Instance
  export default autocannon
}
