// The one folding of thesaurus phrases and of the query text they are looked for in: lower case,
// diacritics removed (NFKD, then the combining marks dropped: "sầu riêng" -> "sau rieng"), đ -> d,
// and anything that is not a letter or a digit a syllable boundary, so the folded text is its
// syllables joined by single spaces ("UV-C" -> "uv c"). For Vietnamese it gives what the
// database's tx_search_text gives (a test checks it on every starter phrase) without its punctuation.
//
// Folding merges words Vietnamese keeps apart by their marks: dứa (pineapple), dừa (coconut) and
// dưa (melon) are all "dua"; lợn (pig) and lớn (big) are "lon"; sắn (cassava) and sản (produce)
// "san". So matching also looks at the marks where the query has them (see `Syllables`).

const marks = /\p{M}+/gu
const boundaries = /[^\p{L}\p{N}]+/u

const split = (text: string) => text.split(boundaries).filter((syllable) => syllable.length > 0)

/** A phrase or a query as syllables: folded, split at every non-alphanumeric run. */
export function syllablesOf(text: string): string[] {
  return split(text.normalize('NFKD').replace(marks, '').replace(/[đĐ]/g, 'd').toLowerCase())
}

/** The folded form: its syllables joined by single spaces ('' when it has none). */
export const foldPhrase = (text: string) => syllablesOf(text).join(' ')

/** The same syllables lower-cased but with their marks (NFC), or undefined when they do not line up with the folded ones. */
function writtenSyllablesOf(text: string, folded: string[]): string[] | undefined {
  const written = split(text.normalize('NFC').toLowerCase())
  return written.length === folded.length ? written : undefined
}

/**
 * A text as syllables, folded and as written. A written syllable with marks (or đ) is precise: it
 * matches only the same syllable with the same marks; one without marks matches any marks.
 */
export type Syllables = { folded: string[]; written: string[] }

export function syllablesWithMarks(text: string): Syllables {
  const folded = syllablesOf(text)
  return { folded, written: writtenSyllablesOf(text, folded) ?? folded }
}

const marked = (written: string, folded: string) => written !== folded

/**
 * Whether `phrase` occurs in `query` from syllable `start`: the same folded syllables, and where
 * both the query's and the phrase's syllable carry marks, the same marks ("lợn" is not "lớn";
 * "lon", typed without marks, is either). A one-syllable phrase with marks needs them in the query
 * too: bare "lon", "dua" or "san" is too ambiguous to bring in anything.
 */
export function occursAt(query: Syllables, phrase: Syllables, start: number): boolean {
  const length = phrase.folded.length
  if (start + length > query.folded.length) return false
  for (let offset = 0; offset < length; offset++) {
    const [queryFolded, queryWritten] = [query.folded[start + offset]!, query.written[start + offset]!]
    const [phraseFolded, phraseWritten] = [phrase.folded[offset]!, phrase.written[offset]!]
    if (queryFolded !== phraseFolded) return false
    const queryMarked = marked(queryWritten, queryFolded)
    const phraseMarked = marked(phraseWritten, phraseFolded)
    if (queryMarked && phraseMarked && queryWritten !== phraseWritten) return false
    if (length === 1 && phraseMarked && !queryMarked) return false
  }
  return true
}

/** Where a phrase occurs in the query: the start of each occurrence. */
export function occurrences(query: Syllables, phrase: Syllables): number[] {
  const starts: number[] = []
  for (let start = 0; start + phrase.folded.length <= query.folded.length; start++) if (occursAt(query, phrase, start)) starts.push(start)
  return starts
}

/** What finds an entry from a query (table thesaurus_heads): a key's first two syllables, or its only one. */
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
