import t from 'tap'
import { runAuthorizationMatrix } from '../helpers/authz-run.ts'

await runAuthorizationMatrix(t, 3, 5)
