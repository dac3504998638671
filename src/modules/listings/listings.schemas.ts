export const listingSchemas = []
