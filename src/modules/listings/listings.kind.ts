import { listings } from '../../db/schema/index.ts'
import { contentField as field } from '../../core/catalogue-kind.ts'
import { iprStatuses, listingKinds, priceTypes, scienceFields, sectors, transferForms, transferMethods } from '../reference/vocabularies.ts'
import type { CatalogueEventType } from '../../core/catalogue-events.ts'
import { provinceNames } from '../../core/places.ts'

// THE listing descriptor: the fields a listing's owner writes, each with its column, the value a
// create stores when the body leaves it out, and how an import or export file names it. The
// repo's columns, the view, the import (imports.listings.ts), the source upsert
// (sources.listings.ts), the export and the file columns (imports.columns.ts) all read it. A new
// field is declared here, in the table (db/schema/listings.ts) and in the API schemas
// (listings.schemas.ts).

export const listingFields = {
  kind: field(listings.kind, { file: { type: 'code', vi: ['Loại', 'Loại hình'], vocabulary: listingKinds } }),
  titleVi: field(listings.titleVi, { file: { type: 'text', vi: ['Tiêu đề', 'Tên công nghệ', 'Tên sản phẩm'] } }),
  titleEn: field(listings.titleEn, { missing: null, file: { type: 'text', vi: ['Tiêu đề (EN)', 'Tiêu đề tiếng Anh'] } }),
  descriptionVi: field(listings.descriptionVi, { file: { type: 'text', vi: ['Mô tả', 'Mô tả chi tiết'] } }),
  descriptionEn: field(listings.descriptionEn, { missing: null, file: { type: 'text', vi: ['Mô tả (EN)', 'Mô tả tiếng Anh'] } }),
  trl: field(listings.trl, { missing: null, file: { type: 'integer', vi: ['TRL', 'Mức độ sẵn sàng công nghệ', 'Mức sẵn sàng'] } }),
  iprStatus: field(listings.iprStatus, { missing: 'none', file: { type: 'code', vi: ['Tình trạng SHTT', 'Sở hữu trí tuệ'], vocabulary: iprStatuses } }),
  iprNumbers: field(listings.iprNumbers, { missing: [], file: { type: 'list', vi: ['Số văn bằng', 'Số bằng', 'Số đơn'] } }),
  transferForms: field(listings.transferForms, { missing: [], file: { type: 'codes', vi: ['Hình thức chuyển giao'], vocabulary: transferForms } }),
  transferMethods: field(listings.transferMethods, { missing: [], file: { type: 'codes', vi: ['Phương thức chuyển giao'], vocabulary: transferMethods } }),
  priceType: field(listings.priceType, { missing: 'negotiable', file: { type: 'code', vi: ['Loại giá', 'Hình thức giá'], vocabulary: priceTypes } }),
  priceVnd: field(listings.priceVnd, { missing: null, file: { type: 'integer', vi: ['Giá (VND)', 'Giá (VNĐ)', 'Giá'] } }),
  sectors: field(listings.sectors, { missing: [], file: { type: 'codes', vi: ['Lĩnh vực', 'Ngành'], vocabulary: sectors } }),
  fields: field(listings.fields, { missing: [], file: { type: 'codes', vi: ['Lĩnh vực KH&CN', 'Lĩnh vực khoa học'], vocabulary: scienceFields } }),
  keywords: field(listings.keywords, { missing: [], file: { type: 'list', vi: ['Từ khóa'] } }),
  provinceCodes: field(listings.provinceCodes, {
    missing: [],
    file: { type: 'codes', vi: ['Tỉnh/thành', 'Tỉnh thành', 'Mã tỉnh', 'Địa phương'], vocabulary: provinceNames },
  }),
  media: field(listings.media, { missing: [], file: { type: 'json', vi: ['Tư liệu', 'Hình ảnh và tài liệu'] } }),
  contacts: field(listings.contacts, { missing: [], file: { type: 'json', vi: ['Liên hệ', 'Người liên hệ'] } }),
  disclosure: field(listings.disclosure, { missing: { contacts: false, iprNumbers: false }, file: { type: 'json', vi: ['Công khai'] } }),
  anonymous: field(listings.anonymous, { missing: false, file: { type: 'boolean', vi: ['Ẩn danh'] } }),
  validUntil: field(listings.validUntil, { missing: null, file: { type: 'date', vi: ['Hiệu lực đến', 'Có hiệu lực đến', 'Hạn hiệu lực'] } }),
}

export type ListingField = keyof typeof listingFields

/** The catalogue events a write of a listing records. */
export const listingEvents = {
  created: 'listing.created',
  updated: 'listing.updated',
  published: 'listing.published',
  withdrawn: 'listing.withdrawn',
  unpublished: 'listing.unpublished',
} as const satisfies Record<string, CatalogueEventType>
