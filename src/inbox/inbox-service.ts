// "My inbox": the projects waiting for this user, oldest stage first. Which role acts in which state
// comes from workflows/project/README.md (Events and roles); a few states need a look at the
// snapshot to know whether anything really waits (a delivery to confirm, an advance to pay, …).
import type { Engine } from '../engine/engine.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import type { User, Role } from '../auth/users.js';
import type { ProjectContext } from '../../workflows/project/index.js';
import { listRows, type ProjectRow } from '../projects/project-repo.js';
import { scopeOf } from '../projects/project-service.js';
import type { ReferenceService } from '../reference/reference.js';
import type { Lookups } from '../web/labels.js';

/** The states in which each role has something to do (README: Events and roles). */
export const INBOX_STATES: Record<Role, readonly string[]> = {
  community: ['draft', 'screening', 'deliberation', 'objection_review', 'procurement.preparing', 'procurement.evaluating', 'procurement.contracting', 'delivery', 'acceptance'],
  street: ['street_review'],
  district: ['budget_approval', 'evaluation'],
  finance: ['delivery', 'settlement', 'warranty'],
  vendor: ['procurement.quoting', 'procurement.contracting', 'delivery', 'rectification'],
  admin: [],
};

export interface InboxTask {
  project: ProjectRow;
  /** i18n key suffix of what to do: inbox.tasks.<role>.<task> */
  task: string;
  daysInStage: number;
  overdue: boolean;
}

const DAY_MS = 86_400_000;

type Check = (c: ProjectContext, row: ProjectRow, user: User) => string | null;

/** Per role and state: whether something waits, and what. null = nothing waits for this user. */
const CHECKS: Partial<Record<Role, Record<string, Check>>> = {
  community: {
    'procurement.contracting': (c) => (c.contract ? null : 'sign_contract'),
    delivery: (c) => (c.contract?.items.some((i) => i.deliveredQty > 0 && !i.confirmed && !i.disputed) ? 'confirm_receipt' : null),
  },
  finance: {
    delivery: (c) => (c.rules.payment.advancePct > 0 && (c.paidByTranche?.advance ?? 0) === 0 ? 'pay_advance' : null),
    warranty: (c) => (c.warrantyEnded ? 'release_retention' : null),
  },
  vendor: {
    'procurement.quoting': (c, _row, u) => (c.procurement?.invitations.includes(u.vendorId ?? '') ? 'quote' : null),
    'procurement.contracting': (c, row, u) => (row.vendorId === u.vendorId && c.contract ? 'confirm_contract' : null),
    delivery: (_c, row, u) => (row.vendorId === u.vendorId ? 'deliver' : null),
    rectification: (_c, row, u) => (row.vendorId === u.vendorId ? 'rectify' : null),
  },
};

export interface InboxPage {
  tasks: InboxTask[];
  /** Admins act on no project: their inbox lists what the system needs from them. */
  admin?: { deadLetters: number; unknownYears: number[] };
  ref: Lookups;
}

export function createInboxService(deps: {
  db: Db; clock: Clock; engine: () => Engine; reference: ReferenceService; attention: () => Promise<{ deadLetters: number; unknownYears: number[] }>;
}) {
  const { db, clock } = deps;

  async function tasks(user: User): Promise<InboxTask[]> {
    const states = INBOX_STATES[user.role] ?? [];
    if (states.length === 0) return [];
    const { rows } = await listRows(db, { states: [...states] }, scopeOf(user), { page: 1, pageSize: 500, order: 'oldestStage' });
    const now = clock.now().getTime();
    const out: InboxTask[] = [];
    for (const row of rows) {
      const check = CHECKS[user.role]?.[row.state];
      let task: string | null = row.state.replace('.', '_');
      if (check) {
        const instance = await deps.engine().get(row.id);
        task = check((instance.snapshot as { context: ProjectContext }).context, row, user);
      }
      if (!task) continue;
      out.push({
        project: row,
        task,
        daysInStage: Math.max(0, Math.floor((now - Date.parse(row.stageEnteredAt)) / DAY_MS)),
        overdue: row.nextDeadlineAt !== null && Date.parse(row.nextDeadlineAt) < now,
      });
    }
    return out;
  }

  async function lookups(): Promise<Lookups> {
    const [streets, communities, categories, vendors] = await Promise.all([
      deps.reference.streets(), deps.reference.communities(), deps.reference.categories(db, { all: true }), deps.reference.vendors(),
    ]);
    return { streets, communities, categories, vendors: vendors.map((v) => ({ id: v.id, name: v.name })) };
  }

  return {
    tasks,
    async page(user: User): Promise<InboxPage> {
      if (user.role === 'admin') return { tasks: [], admin: await deps.attention(), ref: await lookups() };
      return { tasks: await tasks(user), ref: await lookups() };
    },
    /** The number shown next to "My inbox" in the navigation. */
    async count(user: User): Promise<number> {
      if (user.role === 'admin') {
        const a = await deps.attention();
        return (a.deadLetters > 0 ? 1 : 0) + a.unknownYears.length;
      }
      return (await tasks(user)).length;
    },
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
