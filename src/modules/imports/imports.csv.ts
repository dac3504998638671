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
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]])
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

/**
 * The records of a CSV text, lazily (a file may hold a million rows). A byte order mark is
 * skipped; blank lines are skipped too (they are no record). A quote that is never closed is a
 * CsvError naming the line it opened on: everything after it would be read as one field.
 */
export function* parseCsv(text: string, delimiter = sniffDelimiter(text)): Generator<CsvRecord> {
  const separator = delimiter.charCodeAt(0)
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  const length = text.length
  while (index < length) {
    const start = line
    const cells: string[] = []
    // One record: fields until a line break outside quotes, or the end of the text.
    for (;;) {
      let cell = ''
      if (text.charCodeAt(index) === quote) {
        index += 1
        for (;;) {
          const close = text.indexOf('"', index)
          if (close === -1) throw new CsvError(start, `A quoted field opened on line ${start} is never closed`)
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
      cells.push(cell)
      const code = text.charCodeAt(index)
      if (code === separator) {
        index += 1
        continue
      }
      // End of record: CRLF, LF, a lone CR, or the end of the text.
      if (code === carriageReturn) index += text.charCodeAt(index + 1) === lineFeed ? 2 : 1
      else if (code === lineFeed) index += 1
      line += 1
      break
    }
    if (cells.length === 1 && cells[0] === '') continue
    yield { line: start, cells }
  }
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
