import autocannon from 'autocannon'
import type { BenchRequest } from './scenarios.ts'

// autocannon against the API, a random variant per request. Latency percentiles are computed from
// every response time (autocannon's histogram has no p95, which the matches target needs).

export type HttpResult = {
  requestsPerSecond: number
  requests: number
  latencyMs: { p50: number; p95: number; p97_5: number; p99: number; max: number; mean: number }
  errors: number
  timeouts: number
  non2xx: number
  statusCodes: Record<string, number>
}

const percentile = (sorted: Float64Array, fraction: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!
const round = (value: number) => Math.round(value * 100) / 100

export async function runHttpLoad(options: {
  url: string
  variants: BenchRequest[]
  connections: number
  seconds: number
  timeoutSeconds: number
}): Promise<HttpResult> {
  const { variants } = options
  const times: number[] = []
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: options.timeoutSeconds,
    requests: [
      {
        setupRequest: (request) => {
          const variant = variants[Math.floor(Math.random() * variants.length)]!
          return { ...request, method: variant.method, path: variant.path, headers: variant.headers, ...(variant.body ? { body: variant.body } : {}) }
        },
      },
    ],
  })
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => times.push(responseTime))
  const result = await instance
  const sorted = Float64Array.from(times).sort()
  const total = sorted.reduce((sum, value) => sum + value, 0)
  return {
    requestsPerSecond: round(result.requests.total / result.duration),
    requests: result.requests.total,
    latencyMs: {
      p50: round(percentile(sorted, 0.5)),
      p95: round(percentile(sorted, 0.95)),
      p97_5: round(percentile(sorted, 0.975)),
      p99: round(percentile(sorted, 0.99)),
      max: round(sorted.at(-1) ?? NaN),
      mean: round(total / Math.max(1, sorted.length)),
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stats]) => [code, Number(stats.count)])),
  }
}
