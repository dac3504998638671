import { currentProvinceCode, legacyProvinces, provinces } from '../../src/core/places.ts'
import type { Random } from './random.ts'

// Where rows are filed: skewed towards the two big cities and the industrial provinces, with about
// one row in five still using a code of the 63 units before the 2025 merger.

const currentCodes = new Set(provinces.map((province) => province.code))

/** Codes of units merged away in 2025: a row filed with one of these is a "legacy" row. */
export const legacyOnlyCodes = legacyProvinces.filter((legacy) => !currentCodes.has(legacy.code)).map((legacy) => legacy.code)

const heavy: Record<string, number> = {
  '01': 22,
  '79': 20,
  '48': 6,
  '31': 6,
  '92': 5,
  '24': 4,
  '75': 4,
  '22': 3,
  '40': 3,
  '38': 3,
  '33': 3,
  '56': 2,
  '68': 2,
  '66': 2,
}
const currentWeights = provinces.map((province) => [province.code, heavy[province.code] ?? 1] as const)
const legacyWeights = legacyOnlyCodes.map((code) => [code, ['36', '35', '26', '27', '74', '77', '30'].includes(code) ? 3 : 1] as const)

const names = new Map<string, string>([
  ...legacyProvinces.map((legacy) => [legacy.code, legacy.fullName.replace(/^(Tỉnh|Thành phố) /, '')] as const),
  ...provinces.map((province) => [province.code, province.name] as const),
])

export const provinceName = (code: string) => names.get(code) ?? code

/** A code as someone would file it: a legacy code with the given probability, else a 2025 code. */
export function drawProvinceCode(random: Random, legacyShare: number): string {
  return random.chance(legacyShare) ? random.weighted(legacyWeights) : random.weighted(currentWeights)
}

/** Filed codes resolved exactly as the API does: each to its 2025 unit, repeats dropped, order kept. */
export function resolveCodes(codes: readonly string[]): string[] {
  return [...new Set(codes.map((code) => currentProvinceCode(code)!))]
}

export const resolveCode = (code: string) => currentProvinceCode(code)!

/** 2025 codes, for filters: mostly the busy ones. */
export const drawCurrentCode = (random: Random) => random.weighted(currentWeights)
export const drawLegacyCode = (random: Random) => random.weighted(legacyWeights)
