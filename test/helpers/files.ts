import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import sharp from 'sharp'

// Uploads as a client sends them: multipart/form-data built by hand, so a test can also send what
// no well-behaved client would (a field twice, two files, a part with the wrong name).

export type FormPart = { name: string; value: string } | { name: string; filename: string; bytes: Buffer; contentType?: string }

/** A multipart/form-data body and its content type. */
export function multipartBody(parts: FormPart[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----tx${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    if ('bytes' in part) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType ?? 'application/octet-stream'}\r\n\r\n`,
        ),
        part.bytes,
        Buffer.from('\r\n'),
      )
    } else chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** The parts of an upload: the fields, then the file. */
export const uploadParts = (fields: Record<string, string>, file: { filename: string; bytes: Buffer; contentType?: string }): FormPart[] => [
  ...Object.entries(fields).map(([name, value]) => ({ name, value })),
  { name: 'file', ...file },
]

export async function uploadFile(
  app: FastifyInstance,
  auth: Record<string, string>,
  fields: Record<string, string>,
  file: { filename: string; bytes: Buffer; contentType?: string },
  headers: Record<string, string> = {},
) {
  const body = multipartBody(uploadParts(fields, file))
  return app.inject({ method: 'POST', url: '/v1/files', headers: { ...auth, ...body.headers, ...headers }, payload: body.payload })
}

/** A small but real PDF: its signature, one empty page, its trailer. */
export const samplePdf = (text = 'Hồ sơ công nghệ') =>
  Buffer.from(
    `%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n% ${text}\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
  )

/** A photo: a PNG of width × height pixels. */
export const samplePng = (width = 800, height = 600) =>
  sharp({ create: { width, height, channels: 3, background: { r: 40, g: 140, b: 60 } } })
    .png()
    .toBuffer()

/** A Windows executable's first bytes: what a forged "dossier.pdf" might really be. */
export const sampleExe = () => Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('PE\0\0'), randomBytes(200)])
