/** One field-level complaint, per RFC 9457's "errors" extension: a JSON pointer into the request. */
export type FieldError = { pointer: string; detail: string }

/**
 * Every expected failure is an AppError: an HTTP status and a stable machine-readable `code`.
 * The error handler renders it as application/problem+json; anything else becomes an opaque 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: { errors?: FieldError[]; allowed?: string[] } = {},
  ) {
    super(detail ?? title)
  }
}

/** A refusal to retry as it is after `retryAfterSeconds` (the error handler sends Retry-After). */
export class RetryLaterError extends AppError {
  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super(status, code, title, detail)
  }
}

/** A Range that lies outside the file (416): the error handler sends Content-Range with the file's size. */
export class RangeNotSatisfiableError extends AppError {
  constructor(readonly size: number) {
    super(416, 'range_not_satisfiable', 'Range not satisfiable', `The file has ${size} bytes; ask for bytes within them (bytes=0-${size - 1})`)
  }
}

export const badRequest = (code: string, detail: string, errors?: FieldError[]) => new AppError(400, code, 'Bad request', detail, errors ? { errors } : {})

export const unauthorized = (detail = 'A valid API key is required: Authorization: Bearer <key>') => new AppError(401, 'unauthorized', 'Unauthorized', detail)

export const forbidden = (detail: string, errors?: FieldError[]) => new AppError(403, 'forbidden', 'Forbidden', detail, errors ? { errors } : {})

export const notFound = (resource: string, id: string) =>
  new AppError(404, 'not_found', 'Not found', `${resource} ${id} does not exist or is not visible to you`)

export const conflict = (code: string, detail: string, allowed?: string[]) => new AppError(409, code, 'Conflict', detail, allowed ? { allowed } : {})

export const preconditionFailed = (detail = 'The resource has changed since you read it; fetch it again') =>
  new AppError(412, 'precondition_failed', 'Precondition failed', detail)

export const unprocessable = (code: string, detail: string, errors?: FieldError[]) =>
  new AppError(422, code, 'Unprocessable content', detail, errors ? { errors } : {})
