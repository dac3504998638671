import { createHash } from 'node:crypto'
import path from 'node:path'
import { fileTypeFromBuffer } from 'file-type/core'
import { AppError, unprocessable } from '../../lib/problem.ts'

// What an uploaded file is, decided by its bytes: the name and the Content-Type a client sends are
// claims, and a forged one (an executable named dossier.pdf, HTML sent as image/png) must not
// become a file this exchange serves as something else. Only the types below are kept; anything
// else is a 415 that lists them.

/** The content types kept, by what their bytes say, with what a person calls them. */
export const acceptedTypes = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPEG image',
  'image/png': 'PNG image',
  'image/webp': 'WebP image',
  'image/gif': 'GIF image',
  'video/mp4': 'MP4 video',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word document (.docx)',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel workbook (.xlsx)',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint presentation (.pptx)',
  'application/vnd.oasis.opendocument.text': 'OpenDocument text (.odt)',
  'application/vnd.oasis.opendocument.spreadsheet': 'OpenDocument spreadsheet (.ods)',
  'application/vnd.oasis.opendocument.presentation': 'OpenDocument presentation (.odp)',
  'application/msword': 'Word 97–2003 document (.doc)',
  'application/vnd.ms-excel': 'Excel 97–2003 workbook (.xls)',
  'application/vnd.ms-powerpoint': 'PowerPoint 97–2003 presentation (.ppt)',
  'text/plain': 'plain text (UTF-8)',
  'text/csv': 'CSV (UTF-8)',
} as const
export type AcceptedType = keyof typeof acceptedTypes

/** Images: what a photo must be, and what gets a thumbnail. */
export const imageTypes: readonly AcceptedType[] = ['image/jpeg', 'image/png', 'image/webp', 'image/gif']

// Office 97–2003 files are one container format (OLE compound files): its bytes cannot tell a .doc
// from an .xls, so the name's extension does, and nothing else passes as one.
const compoundByExtension: Record<string, AcceptedType> = {
  '.doc': 'application/msword',
  '.xls': 'application/vnd.ms-excel',
  '.ppt': 'application/vnd.ms-powerpoint',
}

export const unsupportedFileType = (detail: string) =>
  new AppError(415, 'unsupported_file_type', 'Unsupported file type', `${detail}. Accepted: ${Object.values(acceptedTypes).join(', ')}`)

/** A C0 control character or DEL. */
const isControl = (character: string) => character.charCodeAt(0) < 0x20 || character === '\u007f'

/** Text with no signature of its own: UTF-8 with no NUL and no other control characters but tab, CR and LF. */
function isPlainText(bytes: Uint8Array): boolean {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return ![...text].some((character) => isControl(character) && character !== '\t' && character !== '\r' && character !== '\n')
  } catch {
    return false
  }
}

/** The content type of a file by its bytes (and, for Office 97–2003 files, its extension); a 415 when it is not one kept. */
export async function contentTypeOf(bytes: Uint8Array, name: string): Promise<AcceptedType> {
  if (bytes.length === 0) throw unprocessable('empty_file', 'The file is empty')
  const detected = await fileTypeFromBuffer(bytes)
  const extension = path.extname(name).toLowerCase()
  if (!detected) {
    if (isPlainText(bytes)) return extension === '.csv' ? 'text/csv' : 'text/plain'
    throw unsupportedFileType('The file is of no type this exchange keeps (its bytes match none)')
  }
  if (detected.mime === 'application/x-cfb') {
    const type = compoundByExtension[extension]
    if (type) return type
    throw unsupportedFileType('An Office 97–2003 file is kept only as .doc, .xls or .ppt')
  }
  if (Object.hasOwn(acceptedTypes, detected.mime)) return detected.mime as AcceptedType
  throw unsupportedFileType(`The file's bytes are ${detected.mime} (.${detected.ext}), which this exchange does not keep`)
}

export const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/**
 * The name a file is kept and offered under: the last part of what the client sent (no folders),
 * in NFC, without control characters or characters that are not allowed in file names on Windows,
 * at most 200 characters (the extension kept). Empty after that: "file".
 */
export function cleanFileName(sent: string | undefined): string {
  const base = (sent ?? '').split(/[\\/]/).pop() ?? ''
  const cleaned = base
    .normalize('NFC')
    .split('')
    .filter((character) => !isControl(character) && !'<>:"|?*'.includes(character))
    .join('')
    .trim()
    .replace(/^\.+/, '')
  if (cleaned === '') return 'file'
  if (cleaned.length <= 200) return cleaned
  const extension = path.extname(cleaned).slice(0, 20)
  return cleaned.slice(0, 200 - extension.length) + extension
}

/** Pixels an image may have before decoding it is refused: a 40-megapixel photo passes, a decompression bomb does not. */
const maxPixels = 40_000_000

/**
 * A thumbnail of an image: at most 320 px on its longer side, as WebP, turned upright by its EXIF
 * orientation (and stripped of its EXIF, which may hold where the photo was taken). sharp is loaded
 * on the first image, so a server that never sees one never loads libvips. An image its signature
 * claims but that does not decode is a 422: it is broken, or not what it claims to be.
 */
export async function thumbnailOf(bytes: Uint8Array): Promise<Buffer> {
  const { default: sharp } = await import('sharp')
  try {
    return await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .resize(320, 320, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer()
  } catch (error) {
    throw unprocessable('invalid_image', `The image could not be read: ${(error as Error).message.split('\n')[0]}`)
  }
}
