import { preconditionFailed } from './problem.ts'

export const etagOf = (version: number) => `"${version}"`

/**
 * Reads If-Match. Returns the version the client expects, or undefined when it sent none (or `*`).
 * Anything else that does not name a version cannot match: 412.
 */
export function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(ifMatch)
  if (!match) throw preconditionFailed('If-Match must be an ETag this API returned, such as "3"')
  return Number(match[1])
}
