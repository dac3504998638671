// CSV as RFC 4180 has it: fields separated by a delimiter, records by CRLF or LF, a field in double
// quotes may hold delimiters, line breaks and doubled quotes (""). No CSV package is installed, and
// this is all an import needs (src/lib/csv.ts writes). Spreadsheets set to Vietnamese (where the comma is the
// decimal separator) save with semicolons: the delimiter is read off the header line.

/** One record: its cells, and the line of the file it starts on (1-based, as an editor shows it). */
export type CsvRecord = { line: number; cells: string[] }

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
    /** The record grew past maxRecordChars before it ended. */
    readonly tooLong = false,
  ) {
    super(message)
  }
}

const quote = 34 // "
const lineFeed = 10
const carriageReturn = 13

/**
 * The delimiter of a file: whichever of comma, semicolon and tab appears most often (outside
 * quotes) in its first line; a comma when there is none.
 */
export function sniffDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ])
  let quoted = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!
    if (char === '"') quoted = !quoted
    else if (!quoted && (char === '\n' || char === '\r')) break
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1)
  }
  let best = ','
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter
  return best
}

/** The longest record (or NDJSON line) an upload may hold, in characters: far above any real row. */
export const maxRecordChars = 1 << 20

/**
 * Reads CSV a piece at a time (an upload as it arrives, a stored file chunk by chunk): `push` returns
 * the records each piece completes, `end` the rest. A byte order mark is skipped; blank lines are
 * skipped too (they are no record). The delimiter is read off the first line once it is complete,
 * unless given. Only the record in progress is held, so a record longer than maxRecordChars (a quote
 * never closed, most likely) is a CsvError rather than the whole file in memory; at the end of the
 * text, a quote that was never closed is a CsvError naming the line it opened on.
 */
export class CsvParser {
  private buffer = ''
  /** The line the buffer starts on. */
  private line = 1
  private separator: number | undefined
  private started = false

  constructor(delimiter?: string) {
    if (delimiter !== undefined) this.separator = delimiter.charCodeAt(0)
  }

  push(text: string): CsvRecord[] {
    this.buffer += text
    return this.drain(false)
  }

  end(): CsvRecord[] {
    return this.drain(true)
  }

  private drain(final: boolean): CsvRecord[] {
    if (!this.started) {
      if (this.buffer.length === 0 && !final) return []
      if (this.buffer.charCodeAt(0) === 0xfeff) this.buffer = this.buffer.slice(1)
      this.started = true
    }
    if (this.separator === undefined) {
      if (!final && firstLineEnd(this.buffer) === -1) return this.holding([])
      this.separator = sniffDelimiter(this.buffer).charCodeAt(0)
    }
    const text = this.buffer
    const records: CsvRecord[] = []
    let index = 0
    while (index < text.length) {
      const read = readRecord(text, index, this.line, this.separator, final)
      if (!read) break
      index = read.next
      this.line = read.line
      if (read.cells.length === 1 && read.cells[0] === '') continue
      records.push({ line: read.start, cells: read.cells })
    }
    this.buffer = text.slice(index)
    return this.holding(records)
  }

  /** The records, unless the one still in progress has grown past any real record. */
  private holding(records: CsvRecord[]): CsvRecord[] {
    if (this.buffer.length > maxRecordChars) {
      throw new CsvError(
        this.line,
        `The record that starts on line ${this.line} is longer than ${maxRecordChars} characters: a quoted field is probably never closed`,
        true,
      )
    }
    return records
  }
}

/** Where the first line ends (a line break outside quotes), or -1 when it has not ended yet. */
function firstLineEnd(text: string): number {
  let quoted = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!
    if (char === '"') quoted = !quoted
    else if (!quoted && (char === '\n' || char === '\r')) return index
  }
  return -1
}

type ReadRecord = { start: number; cells: string[]; next: number; line: number }

/**
 * One record from `from`: its cells, where the next one starts and on which line. Undefined when
 * the text ends before the record does and more may come (`final` false): a record ends at a line
 * break outside quotes, and a closing quote or a CR at the very end of the text may yet be followed
 * by a quote or a LF.
 */
function readRecord(text: string, from: number, line: number, separator: number, final: boolean): ReadRecord | undefined {
  const start = line
  const length = text.length
  const cells: string[] = []
  let index = from
  // Fields until a line break outside quotes, or the end of the text.
  for (;;) {
    let cell = ''
    if (text.charCodeAt(index) === quote) {
      index += 1
      for (;;) {
        const close = text.indexOf('"', index)
        if (close === -1) {
          if (!final) return undefined
          throw new CsvError(start, `A quoted field opened on line ${start} is never closed`)
        }
        if (close + 1 === length && !final) return undefined
        const chunk = text.slice(index, close)
        cell += chunk
        line += countLineBreaks(chunk)
        index = close + 1
        if (text.charCodeAt(index) !== quote) break
        cell += '"'
        index += 1
      }
      // Lenient: text after the closing quote (a"b"c) is kept rather than refused.
      const rest = scanUnquoted(text, index, separator)
      cell += text.slice(index, rest)
      index = rest
    } else {
      const end = scanUnquoted(text, index, separator)
      cell = text.slice(index, end)
      index = end
    }
    if (index === length && !final) return undefined
    cells.push(cell)
    const code = text.charCodeAt(index)
    if (code === separator) {
      index += 1
      continue
    }
    // End of record: CRLF, LF, a lone CR, or the end of the text.
    if (code === carriageReturn) {
      if (index + 1 === length && !final) return undefined
      index += text.charCodeAt(index + 1) === lineFeed ? 2 : 1
    } else if (code === lineFeed) index += 1
    line += 1
    return { start, cells, next: index, line }
  }
}

/** The records of a whole CSV text (see CsvParser). */
export function* parseCsv(text: string, delimiter?: string): Generator<CsvRecord> {
  const parser = new CsvParser(delimiter)
  yield* parser.push(text)
  yield* parser.end()
}

/** Where an unquoted field ends: the next delimiter, line break, or the end of the text. */
function scanUnquoted(text: string, from: number, separator: number): number {
  let index = from
  while (index < text.length) {
    const code = text.charCodeAt(index)
    if (code === separator || code === lineFeed || code === carriageReturn) break
    index += 1
  }
  return index
}

function countLineBreaks(text: string): number {
  let count = 0
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code === lineFeed) count += 1
    else if (code === carriageReturn && text.charCodeAt(index + 1) !== lineFeed) count += 1
  }
  return count
}
