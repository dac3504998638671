// Small text tools of the generator: a seeded random source, diacritic folding and the two kinds of
// noise the set needs (titles typed without diacritics, and common Vietnamese misspellings).

export type Random = { next: () => number; int: (min: number, max: number) => number; pick: <T>(list: readonly T[]) => T; chance: (p: number) => boolean }

/** mulberry32: small, fast and the same on every machine. */
export function seeded(seed: number): Random {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return { next, int, pick: (list) => list[Math.floor(next() * list.length)]!, chance: (p) => next() < p }
}

export function shuffle<T>(random: Random, list: readonly T[]): T[] {
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** Vietnamese without diacritics, as typed on a keyboard without a Vietnamese input method. */
export const fold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .normalize('NFC')

// Misspellings people really make: s/x, ch/tr, d/gi/r, hỏi/ngã, a dropped tone.
const misspellings: [RegExp, string][] = [
  [/xử lý/i, 'sử lý'],
  [/sấy/, 'xấy'],
  [/sản xuất/, 'sản suất'],
  [/trừ/, 'chừ'],
  [/chuồng/, 'truồng'],
  [/giống/, 'dống'],
  [/dụng/, 'dụg'],
  [/thải/, 'thãi'],
  [/nghiệp/, 'nghiêp'],
  [/chống/, 'trống'],
  [/nước/, 'nươc'],
  [/tiết kiệm/, 'tiếc kiệm'],
  [/bảo quản/, 'bảo quãn'],
  [/thủy/, 'thuỷ'],
  [/hệ thống/i, 'hệ thốg'],
  [/phân/, 'phâm'],
]

/** The text with one plausible misspelling, or with one syllable's tone dropped when none applies. */
export function misspell(text: string, random: Random): string {
  const applicable = misspellings.filter(([pattern]) => pattern.test(text))
  if (applicable.length > 0) {
    const [pattern, replacement] = random.pick(applicable)
    return text.replace(pattern, (found) => (found[0] === found[0]!.toUpperCase() ? replacement[0]!.toUpperCase() + replacement.slice(1) : replacement))
  }
  const words = text.split(' ')
  const candidates = words.map((word, i) => [word, i] as const).filter(([word]) => fold(word) !== word && word.length > 2)
  if (candidates.length === 0) return text
  const [word, i] = random.pick(candidates)
  words[i] = fold(word)
  return words.join(' ')
}

/** Another centre's wording of a listing title: swapped synonyms, or the same offer framed as a transfer. */
const rewrites: [RegExp, string][] = [
  [/^Hệ thống /, 'Giải pháp '],
  [/^Quy trình /, 'Công nghệ '],
  [/^Công nghệ /, 'Quy trình công nghệ '],
  [/^Chế phẩm /, 'Sản phẩm sinh học '],
  [/^Máy /, 'Thiết bị '],
  [/^Thiết bị /, 'Máy '],
  [/^Giống /, 'Bộ giống '],
  [/^Phần mềm /, 'Ứng dụng '],
  [/^Dịch vụ /, 'Gói dịch vụ '],
  [/^Kỹ thuật /, 'Quy trình kỹ thuật '],
  [/ cho /, ' dùng cho '],
  [/ bằng /, ' sử dụng '],
  [/ và /, ', '],
]

export function rewriteTitle(title: string, random: Random): string {
  const applicable = rewrites.filter(([pattern]) => pattern.test(title))
  let out = title
  for (const [pattern, replacement] of shuffle(random, applicable).slice(0, 2)) out = out.replace(pattern, replacement)
  if (out === title) out = `Chuyển giao ${title[0]!.toLowerCase()}${title.slice(1)}`
  return out.length > 300 ? out.slice(0, 300) : out
}
