import { readFileSync } from 'node:fs'
import { badRequest, unprocessable } from '../lib/problem.ts'

// Places: the provinces and regions every module files and filters by. Part of the shared core
// (issue 17): it imports no module. The province data is the project's own copy of shared/data (see its README): the 34 units in
// force since 1 July 2025 and the 63 units before, with the unit each became.

export type Province = {
  code: string
  name: string
  nameEn: string
  fullName: string
  fullNameEn: string
  kind: 'city' | 'province'
  northern: boolean
  /** Geographic regions of the legacy units merged into this one. */
  regionIds: number[]
  /** Codes of the legacy units merged into this one (its own code included where it existed). */
  legacyCodes: string[]
}

export type LegacyProvince = { code: string; fullName: string; regionId: number; currentCode: string; currentName: string }

export type Region = { id: number; labelVi: string; labelEn: string }

export const regions: Region[] = [
  { id: 1, labelVi: 'Đông Bắc Bộ', labelEn: 'North East' },
  { id: 2, labelVi: 'Tây Bắc Bộ', labelEn: 'North West' },
  { id: 3, labelVi: 'Đồng bằng sông Hồng', labelEn: 'Red River Delta' },
  { id: 4, labelVi: 'Bắc Trung Bộ', labelEn: 'North Central Coast' },
  { id: 5, labelVi: 'Duyên hải Nam Trung Bộ', labelEn: 'South Central Coast' },
  { id: 6, labelVi: 'Tây Nguyên', labelEn: 'Central Highlands' },
  { id: 7, labelVi: 'Đông Nam Bộ', labelEn: 'South East' },
  { id: 8, labelVi: 'Đồng bằng sông Cửu Long', labelEn: 'Mekong River Delta' },
]

function readCsv(name: string): Record<string, string>[] {
  const text = readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8').trim()
  const [header, ...lines] = text.split(/\r?\n/)
  const columns = header!.split(',')
  return lines.map((line) => {
    const cells = line.split(',')
    return Object.fromEntries(columns.map((column, index) => [column, cells[index] ?? '']))
  })
}

export const legacyProvinces: LegacyProvince[] = readCsv('provinces-legacy-63.csv').map((row) => ({
  code: row.old_code!,
  fullName: row.old_full_name!,
  regionId: Number(row.old_region_id),
  currentCode: row.new_code!,
  currentName: row.new_name!,
}))

export const provinces: Province[] = readCsv('provinces-2025.csv').map((row) => {
  const merged = legacyProvinces.filter((legacy) => legacy.currentCode === row.code)
  return {
    code: row.code!,
    name: row.name!,
    nameEn: row.name_en!,
    fullName: row.full_name!,
    fullNameEn: row.full_name_en!,
    kind: row.kind as 'city' | 'province',
    northern: row.northern === 'yes',
    regionIds: [...new Set(merged.map((legacy) => legacy.regionId))].sort((a, b) => a - b),
    legacyCodes: merged.map((legacy) => legacy.code),
  }
})

const currentByCode = new Map<string, string>([
  ...legacyProvinces.map((legacy) => [legacy.code, legacy.currentCode] as const),
  ...provinces.map((province) => [province.code, province.code] as const),
])

export const knownProvinceCodes = [...currentByCode.keys()].sort()

const provinceByCode = new Map(provinces.map((province) => [province.code, province]))

/** The name of a 2025 unit, by its code; undefined for any other code (a legacy one too). */
export const provinceName = (code: string): string | undefined => provinceByCode.get(code)?.name

/** The 2025 unit a code (current or legacy) belongs to: 36 (Nam Định) -> 37 (Ninh Bình). */
export function currentProvinceCode(code: string): string | undefined {
  return currentByCode.get(code)
}

/** The 2025 units that cover a region, through the legacy units they absorbed. */
export function currentCodesInRegion(regionId: number): string[] {
  return provinces.filter((province) => province.regionIds.includes(regionId)).map((province) => province.code)
}

/** Resolves a filed province code to its 2025 unit; an unknown code is a 422 on `pointer`. */
export function resolveProvince(code: string, pointer: string): string {
  const current = currentProvinceCode(code)
  if (!current) {
    throw unprocessable('unknown_province', `Province code ${code} is neither a 2025 nor a legacy unit; see /v1/reference/provinces`, [
      { pointer, detail: 'is not a known province code' },
    ])
  }
  return current
}

/** A query's province filter as its 2025 unit (undefined when absent); an unknown code is a 400 on the parameter. */
export function provinceFilter(code: string | undefined, parameter: string): string | undefined {
  if (code === undefined) return undefined
  const current = currentProvinceCode(code)
  if (!current) {
    throw badRequest('unknown_province', `Province code ${code} is neither a 2025 nor a legacy unit; see /v1/reference/provinces`, [
      { pointer: `#/query/${parameter}`, detail: 'is not a known province code' },
    ])
  }
  return current
}

/**
 * A query's multi-value province filter (province=01&province=79) as its 2025 units, without
 * repeats (undefined when absent); each unknown code is named by its pointer in one 400.
 */
export function provincesFilter(codes: readonly string[] | undefined, parameter: string): string[] | undefined {
  if (codes === undefined) return undefined
  const unknown = codes.flatMap((code, index) => (currentProvinceCode(code) ? [] : [{ code, index }]))
  if (unknown.length > 0) {
    throw badRequest(
      'unknown_province',
      `Province code ${unknown.map(({ code }) => code).join(', ')} is neither a 2025 nor a legacy unit; see /v1/reference/provinces`,
      unknown.map(({ index }) => ({ pointer: `#/query/${parameter}/${index}`, detail: 'is not a known province code' })),
    )
  }
  return [...new Set(codes.map((code) => currentProvinceCode(code)!))]
}

/** Filed codes resolved to the 2025 units, without repeats; an unknown code is a 422 on its pointer. */
export const resolveProvinces = (codes: string[]) => [...new Set(codes.map((code, index) => resolveProvince(code, `#/provinceCodes/${index}`)))]

/** A name a file may give instead of a province code; the shape of an import column's vocabulary. */
export type ProvinceName = { code: string; labelVi: string; labelEn: string }

/**
 * The names an import file may give a province by instead of its code: each unit's full and short
 * name ("Tỉnh Nam Định", "Nam Định"), "TP <name>" for a city, and the 2025 units' English names.
 * A legacy unit's name gives its legacy code, which is kept as filed and resolved like the code;
 * legacy units come first, so a name both lists keeps the older, finer code.
 */
export const provinceNames: ProvinceName[] = [
  ...legacyProvinces.flatMap((legacy) => {
    const name = legacy.fullName.replace(/^(Tỉnh|Thành phố) /, '')
    const city = legacy.fullName.startsWith('Thành phố ')
    return [{ code: legacy.code, labelVi: legacy.fullName, labelEn: name }, ...(city ? [{ code: legacy.code, labelVi: `TP ${name}`, labelEn: name }] : [])]
  }),
  ...provinces.flatMap((province) => [
    { code: province.code, labelVi: province.fullName, labelEn: province.fullNameEn },
    { code: province.code, labelVi: province.name, labelEn: province.nameEn },
    ...(province.kind === 'city' ? [{ code: province.code, labelVi: `TP ${province.name}`, labelEn: province.nameEn }] : []),
  ]),
]
