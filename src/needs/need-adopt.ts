// ADOPT of a need into a new project proposal: the draft is created through the engine in the
// need's transition's transaction (engine.start with that trx), with the id the need's `enrich`
// recorded, by the community user who sent ADOPT. It applies the rules of POST /projects
// (NewProjectSchema, active category and groups, the budget years the rules allow); any refusal is
// an AppError that rolls the whole transition back, so the need stays `received`.
// Mirrors ProjectService.create, which opens its own transaction and reads outside it; a
// `create(user, input, {trx, id})` there would let this file go (left to the project component).
import type { Engine } from '../engine/engine.js';
import type { Actor } from '../engine/types.js';
import { InvalidError } from '../errors.js';
import type { Trx } from '../lib/db.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { ReferenceService } from '../reference/reference.js';
import type { RulesService } from '../rules/rules-service.js';
import { NewProjectSchema } from '../projects/project-service.js';
import { nextRef } from '../projects/project-repo.js';
import type { ProjectInput } from '../../workflows/project/index.js';
import { allowedBudgetYears } from '../../workflows/project/project.proposal.js';

export interface DraftDeps {
  engine: () => Engine;
  reference: ReferenceService;
  rules: RulesService;
}

const refuse = (field: string, key: string) => new InvalidError('invalid new project', { fields: { [`newProject.${field}`]: key } });

/** Creates the project draft `projectId` in `trx` for the community `communityId`, as `actor`. */
export async function createDraftIn(deps: DraftDeps, trx: Trx, args: { projectId: string; communityId: string; actor: Actor; newProject: unknown; at: string }): Promise<void> {
  const parsed = NewProjectSchema.safeParse(args.newProject);
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) fields[`newProject.${issue.path.map(String).join('.') || '_'}`] ??= issue.message;
    throw new InvalidError('invalid new project', { fields });
  }
  const p = parsed.data;
  if (p.libraryEntryId !== undefined) throw refuse('libraryEntryId', 'validation.libraryEntry');
  if (!(await deps.reference.categories(trx)).some((c) => c.code === p.category)) throw refuse('category', 'validation.category');
  const groups = new Set((await deps.reference.groups(trx)).map((g) => g.code));
  if (!groups.has(p.mainGroup)) throw refuse('mainGroup', 'validation.group');
  if (p.otherGroups && !p.otherGroups.every((g) => groups.has(g))) throw refuse('otherGroups', 'validation.group');
  const community = await deps.reference.community(args.communityId, trx);
  const district = (await deps.reference.districts(trx)).find((d) => d.id === community.districtId)!;
  const year = Number(shanghaiDate(args.at).slice(0, 4));
  const rules = await deps.rules.current(district.id, trx);
  const budgetYear = p.budgetYear ?? year;
  if (!allowedBudgetYears(year, rules).includes(budgetYear)) throw refuse('budgetYear', 'validation.budgetYear');
  const input: ProjectInput = {
    id: args.projectId, ref: await nextRef(trx, district.id, district.code, year), communityId: community.id, streetId: community.streetId,
    districtId: district.id, year, budgetYear, title: p.title, type: p.type, category: p.category, mainGroup: p.mainGroup,
    otherGroups: p.otherGroups ?? [], estimatedFen: p.estimatedFen, description: p.description, items: p.items,
    beneficiaryCount: p.beneficiaryCount ?? null, rules, createdBy: args.actor.id,
  };
  await deps.engine().start('project', input, { actor: args.actor, id: args.projectId, trx });
}
