export const demandSchemas = []
