import { restoreFormula } from '../../lib/csv.ts'
import type { FieldError } from '../../lib/problem.ts'
import { unprocessable } from '../../lib/problem.ts'
import { CsvError, CsvParser, maxRecordChars, type CsvRecord } from './imports.csv.ts'
import { columnNamed, foldText, requiredFields, type ImportKind } from './imports.columns.ts'
import type { CellType, FileColumn, VocabularyTerm } from '../../core/catalogue-kind.ts'
import { provinceNames as provinceNameTerms } from '../../core/places.ts'

// From an uploaded file to rows: each with its line number and either the object it describes
// (field names as the create endpoints take them) or what made it unreadable. Validation against
// the create schemas comes later (imports.prepare.ts), the same way for CSV and NDJSON.

export type ImportFormat = 'csv' | 'ndjson'

export type RawRow = { line: number; values: Record<string, unknown>; errors: FieldError[] }

/** How a CSV's header was read: the field of each column (null: skipped), and the unknown headers. */
export type HeaderMap = { fields: Array<FileColumn | null>; mapped: Array<{ header: string; field: string }>; ignored: string[] }

/** Reads a CSV header; a file with no known column or a column twice is refused (422). */
export function readHeader(kind: ImportKind, cells: string[]): HeaderMap {
  const fields: Array<FileColumn | null> = []
  const mapped: HeaderMap['mapped'] = []
  const ignored: string[] = []
  const seen = new Map<string, string>()
  for (const raw of cells) {
    const header = raw.trim()
    const found = header === '' ? undefined : columnNamed(kind, header)
    if (found === undefined || found === 'read-only') {
      if (found === undefined && header !== '') ignored.push(header)
      fields.push(null)
      continue
    }
    const earlier = seen.get(found.field)
    if (earlier !== undefined) {
      throw unprocessable('duplicate_column', `Columns "${earlier}" and "${header}" both fill ${found.field}; keep one of them`)
    }
    seen.set(found.field, header)
    fields.push(found)
    mapped.push({ header, field: found.field })
  }
  if (mapped.length === 0) {
    throw unprocessable(
      'missing_header',
      `The first line names no known column (${cells.slice(0, 5).join(', ').slice(0, 200)}): a CSV import starts with a header line, with the field names or their Vietnamese headers (see docs/integration.md)`,
    )
  }
  const missing = requiredFields[kind].filter((field) => !seen.has(field))
  if (missing.length > 0)
    throw unprocessable(
      'missing_columns',
      `Every ${kind} row needs ${missing.join(', ')}, but the header has no column for ${missing.length > 1 ? 'them' : 'it'}`,
    )
  return { fields, mapped, ignored }
}

/** A province a CSV named rather than coded: as written, the code it was read as, and in how many rows. */
export type ProvinceNameRead = { name: string; code: string; rows: number }

/** What an upload is, checked before it is accepted: rows to do and, for a CSV, its header and the province names it used. */
export type FileSummary = { totalRows: number; header?: HeaderMap; provinceNames?: ProvinceNameRead[] }

/** The distinct province names a summary lists: far more than any real file names. */
const maxProvinceNames = 200

/** Reads a file as it arrives, piece by piece, holding only the record in progress. */
export type FileSummarizer = { push: (text: string) => void; end: () => FileSummary }

/**
 * Checks a file while it is uploaded: a malformed header is refused (422) as soon as the first line
 * is in, an empty, headerless or malformed file at the end.
 */
export function summarizeFile(kind: ImportKind, format: ImportFormat): FileSummarizer {
  if (format === 'ndjson') {
    let totalRows = 0
    let line = 1
    let lineLength = 0
    let blank = true
    const endLine = () => {
      if (lineLength > maxRecordChars) throw recordTooLong(`Line ${line}`)
      if (!blank) totalRows += 1
    }
    return {
      push(text) {
        let start = 0
        for (;;) {
          const end = text.indexOf('\n', start)
          const segment = text.slice(start, end === -1 ? text.length : end)
          // As String.trim has it, so that a line counted here is a line readRows reads.
          if (blank && /\S/.test(segment)) blank = false
          lineLength += segment.length
          if (end === -1) break
          endLine()
          line += 1
          lineLength = 0
          blank = true
          start = end + 1
        }
        if (lineLength > maxRecordChars) throw recordTooLong(`Line ${line}`)
      },
      end() {
        endLine()
        if (totalRows === 0) throw emptyFile()
        return { totalRows }
      },
    }
  }
  const parser = new CsvParser()
  let header: HeaderMap | undefined
  let totalRows = 0
  // Province cells written as names ("Nam Định", "TP Hồ Chí Minh"): which code each was read as.
  const provinceNames = new Map<string, ProvinceNameRead>()
  const tallyNames = (column: FileColumn, cell: string) => {
    const written = column.type === 'codes' ? listItems(cell) : { value: [cell] }
    if (!('value' in written)) return
    // Each name once per row, however often the cell repeats it.
    for (const item of new Set(written.value)) {
      if (typeof item !== 'string') continue
      const name = item.trim()
      const code = codeOf(column, name)
      if (name === '' || code === name) continue
      const key = `${name}\u0000${code}`
      const known = provinceNames.get(key)
      if (known) known.rows += 1
      else if (provinceNames.size < maxProvinceNames) provinceNames.set(key, { name, code, rows: 1 })
    }
  }
  const take = (records: CsvRecord[]) => {
    for (const record of records) {
      if (!header) {
        header = readHeader(kind, record.cells)
        continue
      }
      totalRows += 1
      header.fields.forEach((column, index) => {
        const cell = record.cells[index]
        if (column?.vocabulary === provinceNameTerms && cell !== undefined && cell.trim() !== '') tallyNames(column, cell)
      })
    }
  }
  return {
    push: (text) => csvRefusals(() => take(parser.push(text))),
    end() {
      csvRefusals(() => take(parser.end()))
      if (!header) throw emptyFile()
      if (totalRows === 0) throw unprocessable('empty_file', 'The file has a header but no rows')
      return { totalRows, header, provinceNames: [...provinceNames.values()] }
    },
  }
}

/** A CsvError as the 422 an upload gets. */
function csvRefusals(read: () => void) {
  try {
    read()
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    if (error.tooLong) throw recordTooLong(`The record that starts on line ${error.line}`)
    throw unprocessable('malformed_csv', `${error.message}; close it with " (a quote inside a quoted field is written "")`)
  }
}

const recordTooLong = (what: string) =>
  unprocessable(
    'record_too_long',
    `${what} is longer than ${maxRecordChars} characters, far more than any row: most likely a quote is never closed, or the file is not one record per line`,
  )

const emptyFile = () => unprocessable('empty_file', 'The file is empty: nothing to import')

/** The rows of a file, read from its pieces in order, after skipping the first `skip` of them (an import resuming). */
export async function* readRows(kind: ImportKind, format: ImportFormat, pieces: AsyncIterable<string>, skip = 0): AsyncGenerator<RawRow> {
  if (format === 'ndjson') {
    yield* ndjsonRows(pieces, skip)
    return
  }
  const parser = new CsvParser()
  let header: HeaderMap | undefined
  let index = 0
  const rows = function* (records: CsvRecord[]): Generator<RawRow> {
    for (const record of records) {
      if (!header) {
        header = readHeader(kind, record.cells)
        continue
      }
      if (index++ < skip) continue
      yield csvRow(header, record.line, record.cells)
    }
  }
  for await (const piece of pieces) yield* rows(parser.push(piece))
  yield* rows(parser.end())
}

async function* ndjsonRows(pieces: AsyncIterable<string>, skip: number): AsyncGenerator<RawRow> {
  let index = 0
  let line = 0
  let pending = ''
  for await (const piece of pieces) {
    pending += piece
    let start = 0
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
      const text = pending.slice(start, end)
      start = end + 1
      line += 1
      if (text.trim() === '') continue
      if (index++ < skip) continue
      yield ndjsonRow(line, text)
    }
    pending = pending.slice(start)
  }
  line += 1
  if (pending.trim() !== '' && index >= skip) yield ndjsonRow(line, pending)
}

function ndjsonRow(line: number, text: string): RawRow {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { line, values: {}, errors: [{ pointer: '#', detail: 'is not valid JSON (NDJSON: one JSON object per line)' }] }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { line, values: {}, errors: [{ pointer: '#', detail: 'must be a JSON object' }] }
  }
  return { line, values: value as Record<string, unknown>, errors: [] }
}

function csvRow(header: HeaderMap, line: number, cells: string[]): RawRow {
  const values: Record<string, unknown> = {}
  const errors: FieldError[] = []
  if (cells.length > header.fields.length && cells.slice(header.fields.length).some((cell) => cell.trim() !== '')) {
    errors.push({ pointer: '#', detail: `has ${cells.length} cells but the header has ${header.fields.length} columns` })
  }
  header.fields.forEach((column, index) => {
    // Undoes the apostrophe an export puts before a formula character (src/lib/csv.ts).
    const cell = restoreFormula(cells[index]?.trim() ?? '')
    if (!column || cell === '') return
    const read = readCell(column, cell)
    if ('error' in read) errors.push({ pointer: `#/${column.field}`, detail: read.error })
    else values[column.field] = read.value
  })
  return { line, values, errors }
}

const trueWords = new Set(['true', 'yes', 'y', '1', 'co', 'x'])
const falseWords = new Set(['false', 'no', 'n', '0', 'khong'])

/**
 * A cell's value for its column. A cell that does not read as its type is passed on as text, so
 * the schema reports it in its own words ("must be integer"); only bad JSON is an error here.
 */
export function readCell(column: FileColumn, cell: string): { value: unknown } | { error: string } {
  return readAs(column.type, cell, column)
}

function readAs(type: CellType, cell: string, column: FileColumn): { value: unknown } | { error: string } {
  switch (type) {
    case 'text':
      return { value: cell }
    case 'integer': {
      const compact = cell.replace(/\s/g, '')
      if (/^-?\d+$/.test(compact)) return { value: Number(compact) }
      // Vietnamese digit grouping: 1.500.000.000 (or 1,500,000,000 from an English spreadsheet).
      if (/^\d{1,3}([.,]\d{3})+$/.test(compact)) return { value: Number(compact.replace(/[.,]/g, '')) }
      return { value: cell }
    }
    case 'boolean': {
      const word = foldText(cell)
      return { value: trueWords.has(word) ? true : falseWords.has(word) ? false : cell }
    }
    case 'date': {
      const day = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(cell)
      return { value: day ? `${day[3]}-${day[2]!.padStart(2, '0')}-${day[1]!.padStart(2, '0')}` : cell }
    }
    case 'list':
    case 'codes': {
      const items = listItems(cell)
      if ('error' in items) return items
      return { value: type === 'codes' ? items.value.map((item) => (typeof item === 'string' ? codeOf(column, item) : item)) : items.value }
    }
    case 'code':
      return { value: codeOf(column, cell) }
    case 'json':
      try {
        return { value: JSON.parse(cell) as unknown }
      } catch {
        return { error: 'is not valid JSON (a list of objects, e.g. [{"name": "Nguyễn Văn A", "email": "a@example.vn"}])' }
      }
  }
}

/** Items separated by ";" (blank ones dropped), or a JSON array when the cell starts with "[". */
function listItems(cell: string): { value: unknown[] } | { error: string } {
  if (cell.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(cell)
      if (Array.isArray(parsed)) return { value: parsed }
    } catch {
      // Not JSON after all: an item that starts with a bracket.
    }
  }
  return {
    value: cell
      .split(';')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  }
}

/** Each vocabulary's codes and labels, folded, to the code: built once, on its first cell. */
const foldedTerms = new WeakMap<readonly VocabularyTerm[], Map<string, string>>()

function termsOf(vocabulary: readonly VocabularyTerm[]): Map<string, string> {
  let terms = foldedTerms.get(vocabulary)
  if (!terms) {
    terms = new Map()
    // Codes before labels; then the first term to claim a folded form keeps it (a province's legacy
    // name before the 2025 unit's).
    for (const form of ['code', 'labelVi', 'labelEn'] as const) {
      for (const term of vocabulary) if (!terms.has(foldText(term[form]))) terms.set(foldText(term[form]), term.code)
    }
    foldedTerms.set(vocabulary, terms)
  }
  return terms
}

/** A vocabulary code given as the code itself or as its Vietnamese or English label. */
function codeOf(column: FileColumn, cell: string): string {
  if (!column.vocabulary) return cell
  const terms = termsOf(column.vocabulary)
  return terms.get(foldText(cell)) ?? cell
}
