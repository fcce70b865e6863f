// The projects' side of `weishishi verify`: each project's reserved, committed and spent amounts in
// the ledger must equal what its own history says (workflows/project `moneyHeld` on the stored
// snapshot). The ledger's own audit (src/budgets/ledger.ts) checks the allocations against their
// entries and the project rows; this closes the circle to the lifecycle. Pages through every
// project, so it runs in bounded memory on a district's thousands.
import type { Queryable } from '../lib/db.js';
import { parseJson } from '../lib/db.js';
import { moneyHeld, stageOf, type ProjectContext } from '../../workflows/project/index.js';

export interface ProjectLedgerProblem {
  projectId: string;
  ref: string;
  problem: string;
}

const PAGE = 500;

export async function auditProjectLedgers(db: Queryable): Promise<ProjectLedgerProblem[]> {
  const problems: ProjectLedgerProblem[] = [];
  for (let after = ''; ;) {
    const rows = await db('workflow_instances as w')
      .join('projects as p', 'p.id', 'w.id')
      .leftJoin('project_ledger as l', 'l.project_id', 'w.id')
      .where('w.workflow', 'project').andWhere('w.id', '>', after)
      .orderBy('w.id').limit(PAGE)
      .select('w.id', 'w.snapshot', 'p.ref', 'l.reserved_fen', 'l.committed_fen', 'l.spent_fen');
    for (const r of rows as Array<Record<string, unknown>>) {
      const snapshot = parseJson<{ value: Parameters<typeof stageOf>[0]; context: ProjectContext }>(r.snapshot);
      const want = moneyHeld(snapshot.context, stageOf(snapshot.value));
      const have = { reservedFen: Number(r.reserved_fen ?? 0), committedFen: Number(r.committed_fen ?? 0), spentFen: Number(r.spent_fen ?? 0) };
      if (want.reservedFen !== have.reservedFen || want.committedFen !== have.committedFen || want.spentFen !== have.spentFen) {
        problems.push({
          projectId: String(r.id), ref: String(r.ref),
          problem: `the ledger holds reserved ${have.reservedFen}, committed ${have.committedFen}, spent ${have.spentFen} fen; its history says ${want.reservedFen}, ${want.committedFen}, ${want.spentFen}`,
        });
      }
    }
    if (rows.length < PAGE) return problems;
    after = String((rows.at(-1) as { id: unknown }).id);
  }
}
