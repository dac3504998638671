// Ranking metrics for one demand: `rankedIds` is what the matcher returned, best first (distinct
// ids); `grades` holds the graded listings of the demand (missing ids are grade 0).

export type Grades = Readonly<Record<string, number>>

const gradeOf = (grades: Grades, id: string) => grades[id] ?? 0

/**
 * Share of the first k positions holding a relevant listing (grade >= minGrade, default 1); a short
 * list still divides by k.
 */
export function precisionAt(k: number, rankedIds: readonly string[], grades: Grades, minGrade = 1): number {
  if (k <= 0) throw new RangeError('k must be positive')
  const hits = rankedIds.slice(0, k).filter((id) => gradeOf(grades, id) >= minGrade).length
  return hits / k
}

/**
 * Share of the listings graded at least `minGrade` that appear in the first k positions. null when
 * the demand has none, so that such a demand is left out of the mean rather than counted as 0 or 1.
 */
export function recallAt(k: number, rankedIds: readonly string[], grades: Grades, minGrade: number): number | null {
  if (k <= 0) throw new RangeError('k must be positive')
  const wanted = Object.entries(grades)
    .filter(([, grade]) => grade >= minGrade)
    .map(([id]) => id)
  if (wanted.length === 0) return null
  const top = new Set(rankedIds.slice(0, k))
  return wanted.filter((id) => top.has(id)).length / wanted.length
}

/** How a grade turns into gain: 2^g - 1 (the default), or the grade itself (gains 3/2/1). */
export type Gain = (grade: number) => number
export const exponentialGain: Gain = (grade) => 2 ** grade - 1
export const linearGain: Gain = (grade) => grade

// Position i (0-based) is discounted by log2(i + 2); a grade g gains gain(g).
const dcg = (gradesInOrder: readonly number[], gain: Gain) => gradesInOrder.reduce((sum, grade, i) => sum + gain(grade) / Math.log2(i + 2), 0)

/**
 * Normalised discounted cumulative gain at k: the DCG of the ranking over the DCG of the ideal one,
 * built from every graded listing of the demand. 0 when the demand has no graded listing.
 */
export function ndcgAt(k: number, rankedIds: readonly string[], grades: Grades, gain: Gain = exponentialGain): number {
  if (k <= 0) throw new RangeError('k must be positive')
  const ideal = dcg(
    Object.values(grades)
      .filter((grade) => grade > 0)
      .sort((a, b) => b - a)
      .slice(0, k),
    gain,
  )
  if (ideal === 0) return 0
  return (
    dcg(
      rankedIds.slice(0, k).map((id) => gradeOf(grades, id)),
      gain,
    ) / ideal
  )
}

/** The mean of per-demand values (0 for none); null values (an undefined figure) are left out. */
export function mean(values: readonly (number | null)[]): number {
  const defined = values.filter((value): value is number => value !== null)
  return defined.length === 0 ? 0 : defined.reduce((sum, value) => sum + value, 0) / defined.length
}
