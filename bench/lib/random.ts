// A seeded PRNG (sfc32) and the draws the generator needs, so a run with the same seed and anchor
// date produces the same rows.

export type Random = {
  /** Uniform in [0, 1). */
  next: () => number
  int: (min: number, max: number) => number
  chance: (probability: number) => boolean
  pick: <T>(items: readonly T[]) => T
  /** An item drawn with the given weights (need not sum to 1). */
  weighted: <T>(items: readonly (readonly [T, number])[]) => T
  /** Indexes 0..n-1 with probability falling as 1/(i+1)^s: a few very frequent, a long tail. */
  zipf: (n: number, s?: number) => number
  /** `count` distinct items (fewer if the list is shorter). */
  sample: <T>(items: readonly T[], count: number) => T[]
  uuid: () => string
}

function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0
    b |= 0
    c |= 0
    d |= 0
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
}

// Zipf draws by binary search over a cumulative table, built once per (n, s).
const zipfTables = new Map<string, Float64Array>()
function zipfTable(n: number, s: number): Float64Array {
  const key = `${n}:${s}`
  let table = zipfTables.get(key)
  if (!table) {
    table = new Float64Array(n)
    let total = 0
    for (let i = 0; i < n; i++) table[i] = total += 1 / Math.pow(i + 1, s)
    for (let i = 0; i < n; i++) table[i]! /= total
    zipfTables.set(key, table)
  }
  return table
}

export function createRandom(seed: number): Random {
  const next = sfc32(0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0)
  for (let i = 0; i < 20; i++) next() // let the state mix before the first real draw
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  const hex = (digits: number) => {
    let out = ''
    for (let i = 0; i < digits; i++) out += Math.floor(next() * 16).toString(16)
    return out
  }
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    weighted: (items) => {
      let total = 0
      for (const [, weight] of items) total += weight
      let roll = next() * total
      for (const [item, weight] of items) {
        roll -= weight
        if (roll < 0) return item
      }
      return items[items.length - 1]![0]
    },
    zipf: (n, s = 1) => {
      const table = zipfTable(n, s)
      const roll = next()
      let low = 0
      let high = n - 1
      while (low < high) {
        const middle = (low + high) >> 1
        if (table[middle]! < roll) low = middle + 1
        else high = middle
      }
      return low
    },
    sample: (items, count) => {
      const copy = [...items]
      const out: (typeof items)[number][] = []
      while (out.length < count && copy.length > 0) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0]!)
      return out
    },
    // A version-4 layout, so the ids look like those PostgreSQL's gen_random_uuid() makes.
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(0, 3)]}${hex(3)}-${hex(12)}`,
  }
}
