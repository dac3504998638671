// Text PostgreSQL cannot store: U+0000 is refused in text and jsonb (a database error, so a 500 if it
// gets that far), and an unpaired UTF-16 surrogate is not Unicode (the driver would quietly store
// U+FFFD instead). JSON lets a client send both ("\u0000", "\ud800"), so input is checked for them.

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why this text cannot be stored, or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which cannot be stored'
  if (loneSurrogate.test(text)) return 'contains an unpaired UTF-16 surrogate: it is not valid Unicode text'
  return undefined
}
