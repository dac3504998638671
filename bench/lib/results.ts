import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// bench/.results/ (gitignored): keys, captured SQL, pgbench scripts and raw results.

export const resultsDir = fileURLToPath(new URL('../.results/', import.meta.url))

export function resultPath(name: string): string {
  mkdirSync(resultsDir, { recursive: true })
  return `${resultsDir}${name}`
}

export function saveJson(name: string, data: unknown): string {
  const path = resultPath(name)
  writeFileSync(path, JSON.stringify(data, null, 2) + '\n')
  return path
}

export function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(resultPath(name), 'utf8')) as T
}

/** A file-name-safe timestamp: 2026-11-25T16-39-42. */
export const stamp = (date = new Date()) => date.toISOString().slice(0, 19).replace(/:/g, '-')
