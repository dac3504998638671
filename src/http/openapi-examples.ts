import { existsSync, readFileSync } from 'node:fs'

// The document's examples: real exchanges of the test suite, kept in openapi/examples.json
// (scripts/collect-examples.ts makes it), attached to the operations they came from.

type Examples = Record<string, { request?: unknown; responses: Record<string, unknown> }>
type Media = { example?: unknown }
type Operation = {
  operationId?: string
  requestBody?: { content?: Record<string, Media> }
  responses?: Record<string, { content?: Record<string, Media> }>
}

const examplesFile = new URL('../../openapi/examples.json', import.meta.url)

export function attachExamples<D extends { paths?: Record<string, Record<string, unknown>> }>(document: D): D {
  if (!existsSync(examplesFile)) return document
  const examples = JSON.parse(readFileSync(examplesFile, 'utf8')) as Examples
  for (const item of Object.values(document.paths ?? {})) {
    for (const value of Object.values(item)) {
      const operation = value as Operation
      const recorded = operation.operationId ? examples[operation.operationId] : undefined
      if (!recorded) continue
      const body = operation.requestBody?.content?.['application/json']
      if (body && recorded.request !== undefined) body.example = recorded.request
      for (const [status, example] of Object.entries(recorded.responses)) {
        const media = operation.responses?.[status]?.content?.['application/json']
        if (media) media.example = example
      }
    }
  }
  return document
}
