import { fileColumnsOf, type CellType, type FileColumn } from '../../core/catalogue-kind.ts'
import { demandFields } from '../demands/demands.kind.ts'
import { listingFields } from '../listings/listings.kind.ts'
import type { Term } from '../reference/vocabularies.ts'
import { organizationKinds } from '../reference/vocabularies.ts'
import { provinceNames } from '../../core/places.ts'

// The columns a file may have, per kind of import: the field each one fills (the field names of the
// create endpoints, plus externalId and status), the Vietnamese headers that name it too, and how a
// CSV cell becomes the field's value. Headers are compared without case, diacritics, spaces or
// punctuation: "Tiêu đề", "TIEU DE" and "tieu_de" are one header, as are "titleVi" and "title_vi".
// The table is the documentation (docs/integration.md prints it), so keep both in step.

export type ImportKind = 'listings' | 'demands' | 'organizations'
export const importKinds = ['listings', 'demands', 'organizations'] as const

const column = (field: string, type: CellType, vi: string[], vocabulary?: readonly Term[]): FileColumn => ({
  field,
  type,
  vi,
  ...(vocabulary ? { vocabulary } : {}),
})

const listingStatuses: readonly Term[] = [
  { code: 'draft', labelVi: 'Nháp', labelEn: 'Draft' },
  { code: 'published', labelVi: 'Công bố', labelEn: 'Published' },
]
const demandStatuses: readonly Term[] = [
  { code: 'draft', labelVi: 'Nháp', labelEn: 'Draft' },
  { code: 'open', labelVi: 'Mở', labelEn: 'Open' },
]

const reference = column('externalId', 'text', ['Mã', 'Mã tham chiếu', 'Mã hồ sơ'])

export const importColumns: Record<ImportKind, FileColumn[]> = {
  listings: [
    reference,
    column('status', 'code', ['Trạng thái'], listingStatuses),
    ...fileColumnsOf(listingFields),
    column('ownerId', 'text', ['Mã tổ chức sở hữu', 'Chủ sở hữu']),
  ],
  demands: [
    reference,
    column('status', 'code', ['Trạng thái'], demandStatuses),
    ...fileColumnsOf(demandFields),
    column('ownerId', 'text', ['Mã tổ chức sở hữu', 'Chủ sở hữu']),
  ],
  organizations: [
    reference,
    column('kind', 'code', ['Loại hình', 'Loại'], organizationKinds),
    column('name', 'text', ['Tên', 'Tên tổ chức']),
    column('nameEn', 'text', ['Tên (EN)', 'Tên tiếng Anh']),
    column('shortName', 'text', ['Tên viết tắt']),
    column('parentId', 'text', ['Đơn vị chủ quản', 'Tổ chức cấp trên']),
    column('provinceCode', 'code', ['Tỉnh/thành', 'Tỉnh thành', 'Mã tỉnh'], provinceNames),
    column('address', 'text', ['Địa chỉ']),
    column('website', 'text', ['Trang web', 'Website']),
    column('email', 'text', ['Thư điện tử', 'Email']),
    column('phone', 'text', ['Điện thoại', 'Số điện thoại']),
    column('taxCode', 'text', ['Mã số thuế', 'MST']),
    column('description', 'text', ['Mô tả', 'Giới thiệu']),
    column('contacts', 'json', ['Liên hệ', 'Người liên hệ']),
  ],
}

/**
 * Fields an export writes besides the importable ones (the record's id, its owner as shown to the
 * caller): read-only, so an import skips them without complaint and an exported file imports back.
 */
export const readOnlyFields = ['id', 'owner']

/** The fields a row must have, so a CSV without their columns is refused at upload. */
export const requiredFields: Record<ImportKind, string[]> = {
  listings: ['kind', 'titleVi', 'descriptionVi'],
  demands: ['titleVi', 'problemVi'],
  organizations: ['kind', 'name'],
}

/** Lower case, without diacritics (đ is d), spaces or punctuation: how headers and labels compare. */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
}

const headerIndex = new Map<ImportKind, Map<string, FileColumn | 'read-only'>>(
  importKinds.map((kind) => {
    const index = new Map<string, FileColumn | 'read-only'>()
    for (const field of readOnlyFields) index.set(foldText(field), 'read-only')
    for (const entry of importColumns[kind]) for (const name of [entry.field, ...entry.vi]) index.set(foldText(name), entry)
    return [kind, index]
  }),
)

/** The column a header names, 'read-only' for an export's extra columns, undefined when unknown. */
export const columnNamed = (kind: ImportKind, header: string) => headerIndex.get(kind)!.get(foldText(header))
