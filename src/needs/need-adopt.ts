// ADOPT of a need into a new project proposal: the draft is started through the project
// component's startProjectIn in the need's transition's transaction, with the id the need's `enrich`
// recorded, by the community user who sent ADOPT. It applies the rules of POST /projects (the same
// function), its refusals naming `newProject.<field>`; any refusal is an AppError that rolls the
// whole transition back, so the need stays `received`. A need's project is not started from the
// service-project library (the proposal form of the need page has no library entry).
import type { Engine } from '../engine/engine.js';
import type { Actor } from '../engine/types.js';
import type { Trx } from '../lib/db.js';
import type { ReferenceService } from '../reference/reference.js';
import type { RulesService } from '../rules/rules-service.js';
import { startProjectIn } from '../projects/project-service.js';

export interface DraftDeps {
  engine: () => Engine;
  reference: ReferenceService;
  rules: RulesService;
}

/** Creates the project draft `projectId` in `trx` for the community `communityId`, as `actor`. */
export async function createDraftIn(deps: DraftDeps, trx: Trx, args: { projectId: string; communityId: string; actor: Actor; newProject: unknown; at: string }): Promise<void> {
  await startProjectIn({ engine: deps.engine(), reference: deps.reference, rules: deps.rules }, trx, {
    id: args.projectId, communityId: args.communityId, actor: args.actor, proposal: args.newProject, at: args.at, prefix: 'newProject.', fromLibrary: false,
  });
}
