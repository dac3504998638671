// The one folding of thesaurus phrases and of the query text they are looked for in: lower case,
// diacritics removed (NFKD, then the combining marks dropped: "sầu riêng" -> "sau rieng"), đ -> d,
// and anything that is not a letter or a digit a syllable boundary, so the folded text is its
// syllables joined by single spaces ("UV-C" -> "uv c"). For Vietnamese it gives what the
// database's tx_search_text gives (a test checks it on every starter phrase) without its punctuation.

const marks = /\p{M}+/gu
const boundaries = /[^\p{L}\p{N}]+/u

/** A phrase or a query as syllables: folded, split at every non-alphanumeric run. */
export function syllablesOf(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(marks, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .split(boundaries)
    .filter((syllable) => syllable.length > 0)
}

/** The folded form: its syllables joined by single spaces ('' when it has none). */
export const foldPhrase = (text: string) => syllablesOf(text).join(' ')

/** What finds an entry from a query through the GIN index: a key's first two syllables, or its only one. */
export function headOf(folded: string): string {
  const syllables = folded.split(' ')
  return syllables.length > 1 ? `${syllables[0]} ${syllables[1]}` : syllables[0]!
}

/** The heads a query can set off: each of its syllables and each pair of neighbours. */
export function probesOf(syllables: string[]): string[] {
  const probes = new Set(syllables)
  for (let index = 0; index + 1 < syllables.length; index++) probes.add(`${syllables[index]} ${syllables[index + 1]}`)
  return [...probes]
}

/** Where a folded phrase occurs in the query's syllables as consecutive syllables: the start of each occurrence. */
export function occurrences(query: string[], folded: string): number[] {
  const phrase = folded.split(' ')
  const starts: number[] = []
  for (let start = 0; start + phrase.length <= query.length; start++) {
    if (phrase.every((syllable, offset) => query[start + offset] === syllable)) starts.push(start)
  }
  return starts
}
