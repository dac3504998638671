// One need of the retrieval evaluation set, written by hand: the demand an enterprise files in
// plain words, and the listings written for it, each a string
//   "[~][^N ]Title | one sentence on what it does | keyword; keyword [#needKey=grade ...]"
// `~` makes the generator add near-duplicate rewrites of that listing by other organisations,
// `^N` sets its TRL, `#key=g` grades it for another need too. solve = grade 3 (solves the need),
// help = 2 (clearly useful, partly), related = 1, traps = 0 (share words, another problem).

export const domains = [
  'agriculture',
  'livestock',
  'aquaculture',
  'food',
  'environment',
  'energy',
  'mechanics',
  'materials',
  'it',
  'health',
  'construction',
] as const
export type Domain = (typeof domains)[number]

export type Need = {
  k: string
  /** Demand title, problem, desired outcome and keywords, in the enterprise's plain words. */
  t: string
  p: string
  o: string
  kw: string[]
  /** The demand's minimum TRL. */
  trl?: number
  /** A second demand with the same need, filed by another enterprise: [title, problem]. */
  twin?: [string, string]
  sectors?: string[]
  fields?: string[]
  s: string[]
  h: string[]
  r: string[]
  x: string[]
}
