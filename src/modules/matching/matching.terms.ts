// The terms one side of a match is looked for by in the other: the phrases that say what a demand
// needs (or a listing offers). Vietnamese writes one syllable per word, so meaning sits in pairs of
// syllables ("hữu cơ", "nước thải"); single syllables match too broadly ("cơ" is also in "cơ khí").
// Terms keep their accents here; the database unaccents them exactly as it unaccents the documents.

export type MatchTerm = { text: string; weight: number }

// Function words, and the boilerplate of technology texts, which say nothing about the subject.
const stopWords = new Set(
  (
    'và của cho các trong với được có là một những để từ theo tại về này đó khi thì như nhằm bằng trên dưới sau ' +
    'trước đã đang sẽ không cần muốn tìm kiếm giúp hơn rất nhiều ít ra vào lên hoặc mà nên do vì nếu đến tới ' +
    'các cũng vẫn đều mỗi mọi số nhất chỉ qua lại còn hay hiện nay năm the and of for with in to a an on by'
  ).split(' '),
)
const stopPhrases = new Set([
  'công nghệ',
  'giải pháp',
  'ứng dụng',
  'quy trình',
  'sản xuất',
  'hệ thống',
  'nâng cao',
  'hiệu quả',
  'chất lượng',
  'kỹ thuật',
  'doanh nghiệp',
  'hợp tác',
  'tác xã',
  'chuyển giao',
  'nghiên cứu',
  'phát triển',
  'cơ sở',
  'sản phẩm',
])

const words = (text: string) =>
  text
    .toLowerCase()
    .normalize('NFC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)

/** Adjacent syllable pairs of a text, skipping function words and boilerplate. */
function pairs(text: string): string[] {
  const result: string[] = []
  const list = words(text)
  for (let index = 0; index + 1 < list.length; index++) {
    const [first, second] = [list[index]!, list[index + 1]!]
    // Numbers ("10 tấn") say how much, not what.
    if (stopWords.has(first) || stopWords.has(second) || /^\d/.test(first) || /^\d/.test(second)) continue
    const pair = `${first} ${second}`
    if (!stopPhrases.has(pair)) result.push(pair)
  }
  return result
}

export type TermSources = { title: string; keywords: string[]; body: string[] }

/** At most this many terms: enough for a long title, bounded so a request costs the same at any length. */
export const maxTerms = 40

/**
 * Weighted terms: keywords (the owner's own summary) and title pairs weigh most, pairs from the
 * body less; a term is counted once, at its highest weight.
 */
export function matchTerms(sources: TermSources): MatchTerm[] {
  const weights = new Map<string, number>()
  const add = (text: string, weight: number) => {
    const key = words(text).join(' ')
    if (key.length < 2 || stopWords.has(key) || stopPhrases.has(key)) return
    weights.set(key, Math.max(weights.get(key) ?? 0, weight))
  }
  for (const keyword of sources.keywords) add(keyword, 2)
  for (const pair of pairs(sources.title)) add(pair, 1.5)
  for (const text of sources.body) for (const pair of pairs(text)) add(pair, 0.5)
  return [...weights.entries()]
    .map(([text, weight]) => ({ text, weight }))
    .sort((a, b) => b.weight - a.weight)
    .slice(0, maxTerms)
}
