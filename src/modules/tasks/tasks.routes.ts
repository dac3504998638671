import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { bearerSecurity, errorResponses, IdParams, IfMatchHeaders, ref, serializeAsBuilt, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import { PageQuery } from '../deals/deals.schemas.ts'
import { Task, TaskCreate, TaskHistory, TaskListQuery, TaskPage, TaskPartnerParams, TaskProcess, TaskTransitionRequest, TaskUpdate } from './tasks.schemas.ts'

const tags = ['tasks']

const visibility =
  "An approved task (and what became of it) is public; a proposed one, or one cancelled before approval, is seen only by those who act for its lead, a partner or an invited organisation (their keys, their delegates', their successor's) and the operator: 404 for anyone else."

/** Joint tasks (/v1/tasks) and the process they follow (/v1/task-process). */
export const taskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tasks = app.services.tasks

  app.get(
    '/task-process',
    {
      schema: {
        operationId: 'getTaskProcess',
        tags,
        summary: 'The joint-task process as data',
        description:
          'The states, the transitions (from, to, who may fire each, guards, effects), partner roles, funding sources and output kinds: the table the API enforces. No key needed.',
        response: { 200: ref(TaskProcess), ...errorResponses(401) },
      },
    },
    async () => tasks.process(),
  )

  app.post(
    '/tasks',
    {
      schema: {
        operationId: 'createTask',
        tags,
        summary: 'Propose a joint task',
        description:
          "A task led by the key's organisation (or by leadId, a member that delegated to it), with the partners it invites in their roles, funding lines, the listings, demands and deals it builds on, and outputs. It starts proposed; an authority among the partners (or the operator) approves it. Each partner is invited (task.partner_invited) and becomes a partner only when its own keys accept (POST /v1/tasks/{id}/partners/{organizationId}/accept). " +
          "Partners must exist and not be merged; linked listings and demands must be public or the lead's; linked deals must have the lead or a partner as a party (422 invalid_task, each offending field named). Writing keys. Idempotency-Key supported. Emits task.proposed.",
        security: bearerSecurity,
        body: TaskCreate,
        response: { 201: withHeaders(ref(Task), 'ETag', 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const task = await tasks.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/tasks/${task.id}`).header('etag', etagOf(task.version)).send(task)
    },
  )

  app.get(
    '/tasks',
    {
      schema: {
        operationId: 'listTasks',
        tags,
        summary: 'List joint tasks',
        description:
          'Tasks, most recently changed first: the approved ones for everyone, and the proposed ones of the organisations the key acts for (every task for the operator). status, organizationId (lead or partner) and provinceCode narrow it.',
        querystring: TaskListQuery,
        response: { 200: ref(TaskPage), ...errorResponses(400, 401) },
      },
    },
    async (request) => tasks.list(request.actor, request.query),
  )

  app.get(
    '/tasks/:id',
    {
      schema: {
        operationId: 'getTask',
        tags,
        summary: 'Get a joint task',
        description: "The task with its partners, funding (and total), links, outputs, the caller's roles and the transitions it may fire now. " + visibility,
        params: IdParams,
        response: { 200: withHeaders(ref(Task), 'ETag'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const task = await tasks.get(request.actor, request.params.id)
      return reply.header('etag', etagOf(task.version)).send(task)
    },
  )

  app.patch(
    '/tasks/:id',
    {
      schema: {
        operationId: 'updateTask',
        tags,
        summary: 'Change a joint task',
        description:
          "Changes the given fields until the task ends; partners, funding, outputs and each list of links are replaced as given. The lead's (and its delegates') writing keys, or the operator; 409 once completed or cancelled. Send If-Match with the ETag you read (412 when stale). Emits task.updated.",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: TaskUpdate,
        response: { 200: withHeaders(ref(Task), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const task = await tasks.update(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(task.version)).send(task)
    },
  )

  app.post(
    '/tasks/:id/transitions',
    {
      schema: {
        operationId: 'transitionTask',
        tags,
        summary: 'Move a joint task: fire a transition',
        description:
          'Fires one transition of GET /v1/task-process: approve (an authority partner or the operator), start and complete (the lead or the operator; complete needs an output and takes completedOn), cancel (the lead, an authority partner or the operator; needs a reason). ' +
          "Applied under the task's row lock: 409 invalid_transition (with `allowed`) when the state does not allow it, 409 guard_<name> when a guard fails, 403 when the caller's role may not fire it. If-Match makes it conditional. Emits the transition's task.* event.",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: TaskTransitionRequest,
        response: { 200: withHeaders(ref(Task), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const task = await tasks.fire(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(task.version)).send(task)
    },
  )

  const answer = (verb: 'accept' | 'decline') =>
    ({
      schema: {
        operationId: verb === 'accept' ? 'acceptTaskInvitation' : 'declineTaskInvitation',
        tags,
        summary: verb === 'accept' ? 'Accept an invitation to be a partner of a joint task' : 'Decline an invitation to be a partner of a joint task',
        description:
          (verb === 'accept'
            ? 'The invited organisation becomes a partner: it is shown among the partners and holds partner rights from now on (an authority partner approves the task). Emits task.partner_accepted to the lead and the partners. '
            : 'The invitation is removed; the lead may invite the organisation again. Emits task.partner_declined to the lead, the partners and the organisation. ') +
          "Admin and editor keys of the invited organisation, or of an organisation acting for it (its delegate, its successor); 403 for the lead's keys, readers and the operator, 404 when the task is not visible or the organisation is not invited. 409 invalid_transition when it already accepted, invalid_state once the task is completed or cancelled. Recorded in the task's history.",
        security: bearerSecurity,
        params: TaskPartnerParams,
        response: { 200: ref(Task), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }) as const

  app.post('/tasks/:id/partners/:organizationId/accept', answer('accept'), async (request) =>
    tasks.acceptInvitation(requireActor(request), request.params.id, request.params.organizationId),
  )

  app.post('/tasks/:id/partners/:organizationId/decline', answer('decline'), async (request) =>
    tasks.declineInvitation(requireActor(request), request.params.id, request.params.organizationId),
  )

  app.get(
    '/tasks/:id/history',
    {
      schema: {
        operationId: 'listTaskHistory',
        tags,
        summary: "A joint task's history",
        description:
          'Every move of the task, oldest first: propose and each transition, who fired it (role and organisation), when, and its input. ' + visibility,
        params: IdParams,
        querystring: PageQuery,
        response: { 200: ref(TaskHistory), ...errorResponses(400, 401, 404) },
      },
      serializerCompiler: serializeAsBuilt,
    },
    async (request) => tasks.history(request.actor, request.params.id, request.query),
  )
}
