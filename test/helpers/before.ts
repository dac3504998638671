// tap runs this once before the test files: build the migrated template they all start from.
import { prepareTemplate } from './database.ts'

await prepareTemplate()
