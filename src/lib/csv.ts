// Writing CSV, the one way every CSV the API sends is written (exports, the activity report), and
// the rule that keeps such files safe to open in a spreadsheet.
//
// Formula injection: Excel, LibreOffice and Google Sheets run a cell that starts with =, +, - or @
// (or a tab or CR before one) as a formula, and a formula can fetch URLs or start programs. So, as
// OWASP's CSV injection guidance and ASVS 1.2.10 say, such a cell is written with a leading
// apostrophe, which spreadsheets read as "this is text" and do not show. A genuine leading
// apostrophe is doubled for the same reason, so the rule can be undone exactly:
//
//   written:  a cell starting with = + - @ tab CR or ' gets one ' in front ("-5 °C" -> "'-5 °C",
//             "'quoted" -> "''quoted"); every other cell is written as it is;
//   read:     a cell starting with ' followed by one of those characters loses that first '.
//
// An import of an export gives back exactly what was exported. A hand-made file keeps a leading
// apostrophe before anything else ("'98" stays "'98"), and loses it before a formula character,
// as it would in a spreadsheet.

const formulaStart = /^[=+\-@\t\r']/

/** A cell as written: with an apostrophe in front when a spreadsheet would run it as a formula. */
export const neutralizeFormula = (value: string): string => (formulaStart.test(value) ? `'${value}` : value)

/** A cell as read back: without the apostrophe neutralizeFormula added. */
export const restoreFormula = (cell: string): string => (cell.startsWith("'") && formulaStart.test(cell.slice(1)) ? cell.slice(1) : cell)

/**
 * A cell as a CSV field: quoted when it holds a quote, a line break, edge spaces or any of the
 * delimiters (not only the file's: a reader that guesses the delimiter must not split it).
 */
export function csvField(value: string): string {
  if (value === '') return ''
  const needsQuotes = /[",;\t\r\n]/.test(value) || value.trim() !== value
  return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value
}

/** One CSV record with its CRLF, as RFC 4180 writes it, each cell neutralised first. */
export const csvLine = (cells: string[], delimiter = ','): string => `${cells.map((cell) => csvField(neutralizeFormula(cell))).join(delimiter)}\r\n`
