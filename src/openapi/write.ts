// `npm run openapi`: regenerates openapi/openapi.json from the routes (test/openapi.test.ts fails when it is stale).
import { writeOpenApiDocument } from './generate.ts'

const file = await writeOpenApiDocument(process.argv[2])
console.log(`wrote ${file}`)
