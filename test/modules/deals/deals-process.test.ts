import { readFileSync } from 'node:fs'
import { eq } from 'drizzle-orm'
import t from 'tap'
import * as schema from '../../../src/db/schema/index.ts'
import { dealDiagram } from '../../../src/modules/deals/deals.diagram.ts'
import { transitionInputs } from '../../../src/modules/deals/deals.inputs.ts'
import { dealStates, dealTransitions, type DealRole } from '../../../src/modules/deals/deals.process.ts'
import { dealSetting, fire, startInterest } from '../../helpers/deals.ts'
import { createMember, createOperator } from '../../helpers/factories.ts'

t.test('GET /v1/deal-process serves the table the code enforces, without a key', async (t) => {
  const { app } = await dealSetting(t, { DEAL_RESPONSE_DAYS: '10', DEAL_REMINDER_DAYS: '2' })
  const response = await app.inject({ method: 'GET', url: '/v1/deal-process' })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(
    body.states.map((state: { name: string }) => state.name),
    dealStates.map((state) => state.name),
  )
  t.same(
    body.transitions.map((transition: { name: string; from: string[]; to: string; by: string[] }) => [
      transition.name,
      transition.from,
      transition.to,
      transition.by,
    ]),
    dealTransitions.map((transition) => [transition.name, [...transition.from], transition.to, [...transition.by]]),
  )
  const makeOffer = body.transitions.find((transition: { name: string }) => transition.name === 'make_offer')
  t.same(makeOffer.input.required, ['terms'], 'each transition carries the JSON Schema of its input')
  t.same(Object.keys(makeOffer.input.properties.terms.properties).sort(), Object.keys(transitionInputs.make_offer.properties.terms.properties).sort())
  t.same(
    body.disclosure.map((rule: { field: string; revealedAt: string }) => [rule.field, rule.revealedAt]),
    [
      ['owner', 'accepted'],
      ['contacts', 'accepted'],
      ['priceVnd', 'accepted'],
      ['iprNumbers', 'agreed'],
    ],
  )
  t.match(body.timers, { responseDays: 10, responseReminderDays: 2, offerValidityDays: 30, offerReminderHours: 48 })
  for (const transition of body.transitions) {
    for (const guard of transition.guards) t.type(body.guards[guard], 'string', `guard ${guard} is described`)
    for (const effect of transition.effects) t.type(body.effects[effect], 'string', `effect ${effect} is described`)
  }
})

t.test("docs/deals.md draws the table's current diagram", async (t) => {
  const doc = readFileSync('docs/deals.md', 'utf8')
  t.ok(doc.includes('```mermaid\n' + dealDiagram() + '\n```'), 'regenerate the diagram in docs/deals.md from dealDiagram() when the table changes')
})

// Conformance: for every state, transition and role, the API refuses exactly what the table
// forbids (409 invalid_transition for the state, 403 for the role) and lets the rest through to
// the input and guard checks. The deal is put in each state directly, and reset after a move.
t.test('every state × transition × role: the API answers as the table says', async (t) => {
  const { app, db, provider, seeker, listing } = await dealSetting(t)
  const providerBroker = await createMember(db, { kind: 'connection_point' })
  const seekerBroker = await createMember(db, { kind: 'connection_point' })
  await db.insert(schema.delegations).values([
    { agentOrganizationId: providerBroker.organization.id, memberOrganizationId: provider.organization.id, status: 'active', origin: 'onboarding' },
    { agentOrganizationId: seekerBroker.organization.id, memberOrganizationId: seeker.organization.id, status: 'active', origin: 'onboarding' },
  ])
  const operator = await createOperator(db)
  const keys: Array<[DealRole, Record<string, string>]> = [
    ['provider', provider.auth],
    ['seeker', seeker.auth],
    ['provider_broker', providerBroker.auth],
    ['seeker_broker', seekerBroker.auth],
    ['operator', operator.auth],
  ]
  const deal = await startInterest(app, seeker.auth, listing.id)
  let checked = 0
  for (const state of dealStates.map((candidate) => candidate.name)) {
    for (const transition of dealTransitions) {
      for (const [role, auth] of keys) {
        await db
          .update(schema.deals)
          .set({ state, disputedFrom: state === 'disputed' ? 'negotiating' : null })
          .where(eq(schema.deals.id, deal.id))
        const response = await fire(app, auth, deal.id, { transition: transition.name })
        const body = response.json()
        const label = `${transition.name} from ${state} as ${role}: ${response.statusCode} ${body.code ?? ''}`
        if (!(transition.from as readonly string[]).includes(state)) {
          t.equal(body.code, 'invalid_transition', label)
          const seen = await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}`, headers: auth })
          t.same(body.allowed, seen.json().allowedTransitions, `${label}: allowed is what the deal offers the caller`)
        } else if (!transition.by.includes(role)) {
          t.equal(response.statusCode, 403, label)
        } else {
          t.not(response.statusCode, 403, label)
          t.not(body.code, 'invalid_transition', label)
        }
        checked += 1
      }
    }
  }
  t.equal(checked, dealStates.length * dealTransitions.length * keys.length)
})
