import { fileURLToPath } from 'node:url'

// Its own file so that what needs only the folder (the embedded template's hash) need not load drizzle.
export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url))
