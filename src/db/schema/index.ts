export * from './organizations.ts'
export * from './api-keys.ts'
export * from './listings.ts'
export * from './demands.ts'
