// A problem raised on a care call becomes a need (需求, source `call`) in the call's own
// transaction. NeedService.create opens a transaction of its own and records needs for community
// staff only, so this mirrors its core (as needs/need-adopt.ts mirrors ProjectService.create): the
// next reference of the district and year, then the `need` workflow started through the engine with
// the transaction given — the call row, its needs and any escalation commit together or not at all.
// The need's actor is the operator; its community, street and district are the resident's.
import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine/engine.js';
import type { Actor } from '../engine/types.js';
import type { Queryable, Trx } from '../lib/db.js';
import type { Clock } from '../lib/clock.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { ReferenceService } from '../reference/reference.js';
import type { RulesService } from '../rules/rules-service.js';
import { NEED_WORKFLOW, type NeedInput, type NeedRules, type NeedType } from '../../workflows/need/index.js';
import { nextNeedRef } from '../needs/need-repo.js';
import { needRulesOf } from '../needs/need-service.js';

export interface NeedFacts {
  districtId: string;
  districtCode: string;
  streetId: string;
  communityId: string;
  rules: NeedRules;
  clock: Clock;
}

/** What a call's needs are started with, read before the call's transaction. */
export async function needFactsOf(deps: { reference: ReferenceService; rules: RulesService; clock: Clock }, communityId: string, q?: Queryable): Promise<NeedFacts> {
  const c = await deps.reference.community(communityId, q);
  const district = (await deps.reference.districts(q)).find((d) => d.id === c.districtId);
  if (!district) throw new Error(`district of community ${communityId} not found`);
  return { districtId: district.id, districtCode: district.code, streetId: c.streetId, communityId: c.id, rules: needRulesOf(await deps.rules.current(district.id, q)), clock: deps.clock };
}

/** Starts one need (source `call`) for a resident in the given transaction; returns its id. */
export async function createCallNeed(engine: Engine, trx: Trx, f: NeedFacts, n: { actor: Actor; beneficiaryId: string; type: NeedType; description: string }): Promise<string> {
  const id = randomUUID();
  const at = f.clock.now().toISOString();
  const ref = await nextNeedRef(trx, f.districtId, f.districtCode, Number(shanghaiDate(at).slice(0, 4)));
  const input: NeedInput = {
    id, ref, districtId: f.districtId, streetId: f.streetId, communityId: f.communityId, source: 'call', type: n.type, description: n.description,
    beneficiaryId: n.beneficiaryId, contact: null, rules: f.rules, createdBy: n.actor.id, receivedAt: at,
  };
  await engine.start(NEED_WORKFLOW, input, { actor: n.actor, id, trx });
  return id;
}
