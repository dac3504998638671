// Ranking metrics for one demand: `rankedIds` is what the matcher returned, best first (distinct
// ids); `grades` holds the graded listings of the demand (missing ids are grade 0).

export type Grades = Readonly<Record<string, number>>

const gradeOf = (grades: Grades, id: string) => grades[id] ?? 0

/** Share of the first k positions holding a relevant listing (grade >= 1); a short list still divides by k. */
export function precisionAt(k: number, rankedIds: readonly string[], grades: Grades): number {
  if (k <= 0) throw new RangeError('k must be positive')
  const hits = rankedIds.slice(0, k).filter((id) => gradeOf(grades, id) >= 1).length
  return hits / k
}

// Position i (0-based) is discounted by log2(i + 2); a grade g gains 2^g - 1.
const dcg = (gradesInOrder: readonly number[]) => gradesInOrder.reduce((sum, grade, i) => sum + (2 ** grade - 1) / Math.log2(i + 2), 0)

/**
 * Normalised discounted cumulative gain at k: the DCG of the ranking over the DCG of the ideal one,
 * built from every graded listing of the demand. 0 when the demand has no graded listing.
 */
export function ndcgAt(k: number, rankedIds: readonly string[], grades: Grades): number {
  if (k <= 0) throw new RangeError('k must be positive')
  const ideal = dcg(
    Object.values(grades)
      .filter((grade) => grade > 0)
      .sort((a, b) => b - a)
      .slice(0, k),
  )
  if (ideal === 0) return 0
  return dcg(rankedIds.slice(0, k).map((id) => gradeOf(grades, id))) / ideal
}

/** The mean of per-demand values (0 for none). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length
}
