import t, { type Test } from 'tap'
import { exponentialGain, linearGain, mean, ndcgAt, precisionAt, recallAt } from '../../bench/quality/metrics.ts'
import { scoreRun } from '../../bench/quality/retrieval-evaluate.ts'

// Expected values worked out by hand; log2(3) = 1.5849625007211562.
const close = (t: Test, actual: number, expected: number, message: string) => t.ok(Math.abs(actual - expected) < 1e-12, `${message}: ${actual} ≈ ${expected}`)

t.test('precision@k counts grade 1 and 2 alike among the first k', async (t) => {
  const grades = { a: 2, c: 1, z: 2 }
  t.equal(precisionAt(5, ['a', 'b', 'c', 'd', 'e'], grades), 2 / 5, 'a and c of five')
  t.equal(precisionAt(3, ['a', 'b', 'c', 'd', 'e'], grades), 2 / 3, 'only the first three count')
  t.equal(precisionAt(1, ['b', 'a'], grades), 0, 'the hit at rank 2 is past k=1')
})

t.test('precision@k divides by k even when fewer results came back', async (t) => {
  t.equal(precisionAt(5, ['a'], { a: 2 }), 1 / 5)
  t.equal(precisionAt(5, [], { a: 2 }), 0)
})

t.test('a listing graded 0 or not graded is not relevant', async (t) => {
  t.equal(precisionAt(2, ['a', 'b'], { a: 0 }), 0)
})

t.test('nDCG@k uses gains 2^g - 1, a log2 discount and the ideal order of the graded listings', async (t) => {
  const grades = { a: 2, b: 1, d: 2 }
  // DCG of b, a, c:   (2^1-1)/log2(2) + (2^2-1)/log2(3) + 0            = 1 + 1.8927892607143724 = 2.8927892607143724
  // ideal 2, 2, 1:    3/log2(2) + 3/log2(3) + (2^1-1)/log2(4)          = 3 + 1.8927892607143724 + 0.5 = 5.392789260714372
  close(t, ndcgAt(3, ['b', 'a', 'c'], grades), 2.8927892607143724 / 5.392789260714372, 'b, a, c')
  close(t, ndcgAt(3, ['b', 'a', 'c'], grades), 0.5364180057596336, 'the same as a number')
  t.equal(ndcgAt(3, ['a', 'd', 'b'], grades), 1, 'the ideal ranking scores 1')
  t.equal(ndcgAt(3, ['d', 'a', 'b'], grades), 1, 'ties in grade may come in any order')
})

t.test('nDCG@k cuts both the ranking and the ideal at k', async (t) => {
  // k=1: DCG = (2^1-1)/1 = 1; ideal = (2^2-1)/1 = 3.
  t.equal(ndcgAt(1, ['b', 'a'], { a: 2, b: 1 }), 1 / 3)
})

t.test('the ideal counts graded listings the matcher did not return', async (t) => {
  // DCG = 3; ideal over a and d (both grade 2) = 3 + 3/log2(3) = 4.892789260714372.
  close(t, ndcgAt(10, ['a'], { a: 2, d: 2 }), 0.6131471927654584, 'one of two grade-2 listings at the top')
  // DCG = 0 + (2^1-1)/log2(3) = 0.6309297535714574; ideal = 3 + 0.6309297535714574.
  close(t, ndcgAt(10, ['x', 'a'], { a: 1, b: 2 }), 0.17376534287144002, 'a grade-1 listing at rank 2')
})

t.test('nDCG@k is 0 with no graded listing or no relevant one returned', async (t) => {
  t.equal(ndcgAt(10, ['a', 'b'], {}), 0)
  t.equal(ndcgAt(10, ['a', 'b'], { a: 0 }), 0)
  t.equal(ndcgAt(10, ['x', 'y'], { a: 2 }), 0)
  t.equal(ndcgAt(10, [], { a: 2 }), 0)
})

t.test('k must be positive', async (t) => {
  t.throws(() => precisionAt(0, ['a'], { a: 1 }), RangeError)
  t.throws(() => ndcgAt(0, ['a'], { a: 1 }), RangeError)
})

t.test('mean over demands', async (t) => {
  t.equal(mean([0.5, 1, 0]), 0.5)
  t.equal(mean([0.2]), 0.2)
  t.equal(mean([]), 0)
})

t.test('precision@k can require a minimum grade', async (t) => {
  const grades = { a: 3, b: 1, c: 2 }
  t.equal(precisionAt(5, ['a', 'b', 'c', 'x', 'y'], grades, 2), 2 / 5, 'a and c count, b (grade 1) does not')
  t.equal(precisionAt(5, ['a', 'b', 'c', 'x', 'y'], grades), 3 / 5, 'the default counts grade 1')
})

t.test('recall@k of the listings graded at least g; undefined without any', async (t) => {
  const grades = { a: 3, b: 3, c: 2, d: 3 }
  t.equal(recallAt(10, ['a', 'c', 'x', 'd'], grades, 3), 2 / 3, 'a and d of a, b, d')
  t.equal(recallAt(1, ['c', 'a'], grades, 3), 0, 'a is past k')
  t.equal(recallAt(10, ['a'], { a: 2 }, 3), null, 'no grade-3 listing: no figure')
  t.throws(() => recallAt(0, ['a'], grades, 3), RangeError)
})

t.test('nDCG@k with linear gains 3/2/1', async (t) => {
  const grades = { a: 3, b: 2, c: 1 }
  // DCG of c, a: 1/log2(2) + 3/log2(3) = 1 + 1.8927892607143724; ideal a, b, c: 3 + 2/log2(3) + 1/2 = 3 + 1.2618595071429148 + 0.5.
  close(t, ndcgAt(10, ['c', 'a'], grades, linearGain), 2.8927892607143724 / 4.761859507142915, 'c, a')
  t.equal(ndcgAt(10, ['a', 'b', 'c'], grades, linearGain), 1)
  t.equal(linearGain(3), 3)
  t.equal(exponentialGain(3), 7)
  close(t, ndcgAt(10, ['c', 'a'], grades), ndcgAt(10, ['c', 'a'], grades, exponentialGain), 'the default gain is 2^g - 1')
})

t.test('mean leaves undefined (null) figures out', async (t) => {
  t.equal(mean([1, null, 0]), 0.5)
  t.equal(mean([null]), 0)
})

t.test('a condensed run drops the listings nobody graded ("?<id>") and scores what is left', async (t) => {
  const grades = { a: 3, b: 2, c: 1 }
  // Catalogue listings push a, b down to ranks 3 and 5 of the full list; condensed they are 1 and 2.
  const ranked = ['?x', '?y', 'a', '?z', 'b', 'c']
  const run = scoreRun(ranked, grades, new Set(), true)
  t.equal(run.ndcgAt10, ndcgAt(10, ranked, grades, linearGain), 'the plain figure counts the catalogue listings as 0')
  t.ok(run.ndcgAt10 < 1, 'and so is below 1')
  t.equal(run.condensed?.ndcgAt10, 1, 'a, b, c in the ideal order once the others are gone')
  t.equal(run.condensed?.precisionAt5, 2 / 5, 'a and b have grade >= 2 among the condensed five')
  t.equal(run.condensed?.recallAt10, 1, 'the one grade-3 listing is there')
  t.equal(run.condensed?.foreignInTop10, 3, 'three catalogue listings in the top 10')
  t.equal(scoreRun(ranked, grades, new Set()).condensed, undefined, 'not condensed unless asked')
})
