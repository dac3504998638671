import { demands } from '../../db/schema/index.ts'
import { contentField as field } from '../../core/catalogue-kind.ts'
import { scienceFields, sectors } from '../reference/vocabularies.ts'
import type { CatalogueEventType } from '../../core/catalogue-events.ts'
import { provinceNames } from '../../core/places.ts'

// THE demand descriptor: the fields a demand's owner writes, each with its column, the value a
// create stores when the body leaves it out, and how an import or export file names it. The
// service, the import (imports.demands.ts), the source upsert (sources.demands.ts), the export and
// the file columns (imports.columns.ts) all read it. A new field is declared here, in the table
// (db/schema/demands.ts) and in the API schemas (demands.schemas.ts), and nowhere else.

export const demandFields = {
  titleVi: field(demands.titleVi, { file: { type: 'text', vi: ['Tiêu đề', 'Tên nhu cầu'] } }),
  titleEn: field(demands.titleEn, { missing: null, file: { type: 'text', vi: ['Tiêu đề (EN)', 'Tiêu đề tiếng Anh'] } }),
  problemVi: field(demands.problemVi, { file: { type: 'text', vi: ['Vấn đề', 'Mô tả', 'Mô tả nhu cầu'] } }),
  problemEn: field(demands.problemEn, { missing: null, file: { type: 'text', vi: ['Vấn đề (EN)', 'Mô tả (EN)'] } }),
  desiredOutcomeVi: field(demands.desiredOutcomeVi, { missing: null, file: { type: 'text', vi: ['Kết quả mong muốn'] } }),
  desiredOutcomeEn: field(demands.desiredOutcomeEn, { missing: null, file: { type: 'text', vi: ['Kết quả mong muốn (EN)'] } }),
  sectors: field(demands.sectors, { missing: [], file: { type: 'codes', vi: ['Lĩnh vực', 'Ngành'], vocabulary: sectors } }),
  fields: field(demands.fields, { missing: [], file: { type: 'codes', vi: ['Lĩnh vực KH&CN', 'Lĩnh vực khoa học'], vocabulary: scienceFields } }),
  keywords: field(demands.keywords, { missing: [], file: { type: 'list', vi: ['Từ khóa'] } }),
  minTrl: field(demands.minTrl, { missing: null, file: { type: 'integer', vi: ['TRL tối thiểu', 'TRL'] } }),
  budgetMinVnd: field(demands.budgetMinVnd, { missing: null, file: { type: 'integer', vi: ['Ngân sách tối thiểu (VND)', 'Ngân sách từ'] } }),
  budgetMaxVnd: field(demands.budgetMaxVnd, { missing: null, file: { type: 'integer', vi: ['Ngân sách tối đa (VND)', 'Ngân sách đến'] } }),
  deadline: field(demands.deadline, { missing: null, file: { type: 'date', vi: ['Hạn chót', 'Thời hạn'] } }),
  neededBy: field(demands.neededBy, { missing: null, file: { type: 'date', vi: ['Cần trước ngày', 'Thời điểm cần'] } }),
  anonymous: field(demands.anonymous, { missing: false, file: { type: 'boolean', vi: ['Ẩn danh'] } }),
  provinceCode: field(demands.provinceCode, {
    missing: null,
    file: { type: 'code', vi: ['Tỉnh/thành', 'Tỉnh thành', 'Mã tỉnh', 'Địa phương'], vocabulary: provinceNames },
  }),
}

export type DemandField = keyof typeof demandFields

/** The catalogue events a write of a demand records. */
export const demandEvents = {
  created: 'demand.created',
  updated: 'demand.updated',
  opened: 'demand.opened',
  closed: 'demand.closed',
} as const satisfies Record<string, CatalogueEventType>
