import type { OrganizationSummary } from '../organizations/organizations.repo.ts'
import type { StoryRow } from './success-stories.repo.ts'
import type { SuccessStory } from './success-stories.schemas.ts'

type Party = SuccessStory['provider']

/** A party as the story names it: every party exists (foreign keys), so the lookup finds it. */
export function party(organizations: Map<string, OrganizationSummary>, id: string): Party {
  const organization = organizations.get(id)!
  return { id, name: organization.name, kind: organization.kind as Party['kind'] }
}

/** The story as the API shows it, with its parties' names. */
export function toSuccessStory(row: StoryRow, organizations: Map<string, OrganizationSummary>): SuccessStory {
  return {
    id: row.id,
    dealId: row.dealId,
    listingId: row.listingId,
    provider: party(organizations, row.providerId),
    seeker: party(organizations, row.seekerId),
    title: row.title,
    problem: row.problem,
    technology: row.technology,
    results: row.results,
    figures: row.figures,
    quotes: row.quotes,
    sectors: row.sectors,
    provinceCode: row.currentProvinceCode,
    year: row.year,
    status: row.status,
    approvals: { provider: row.providerApprovedAt?.toISOString() ?? null, seeker: row.seekerApprovedAt?.toISOString() ?? null },
    photosUrl: `/v1/files?subjectType=success_story&subjectId=${row.id}`,
    publishedAt: row.publishedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  }
}
