// The needs as the public sees them (issue 15 items 2 and 6): the public form (/report-need) and
// Open311 GeoReport v2 (/open311/v2) file a need through the one need service (source `public`,
// told its reference only) and read back a need's public status. What goes out here is never
// personal: no contact, no register entry, no staff notes (referral notes, resolutions, reasons);
// the status is open or closed with a fixed note per state, and a need's description only when the
// public filed it (what a resident wrote on a public form, not what staff noted on a call or visit).
import type { Deps } from '../deps.js';
import { InvalidError } from '../errors.js';
import type { Queryable } from '../lib/db.js';
import { NEED_TYPES, OPEN_STATES, type NeedContext, type NeedType } from '../../workflows/need/index.js';

/** received and referred are still being handled; the outcome states are done. */
export const OPEN_NEED_STATES = OPEN_STATES;
export const PUBLIC_STATUSES = ['open', 'closed'] as const;
export type PublicStatus = (typeof PUBLIC_STATUSES)[number];

export const statusOf = (state: string): PublicStatus => ((OPEN_NEED_STATES as readonly string[]).includes(state) ? 'open' : 'closed');
export const isNeedType = (v: unknown): v is NeedType => typeof v === 'string' && (NEED_TYPES as readonly string[]).includes(v);

/** One need, public facts only. */
export interface PublicNeed {
  ref: string;
  type: string;
  state: string;
  status: PublicStatus;
  /** where it was referred: `street` or `community` (never the referral's note) */
  referredLevel: 'street' | 'community' | null;
  /** the party handling it: `street:<id>` / `community:<id>` */
  handledBy: string;
  communityId: string;
  /** what the resident wrote on a public form; null for needs staff recorded */
  description: string | null;
  receivedAt: string;
  /** the last change; for a closed need, when it was closed (the spec's updated_datetime) */
  updatedAt: string;
}

export interface PublicNeedFilter {
  refs?: string[];
  types?: string[];
  statuses?: PublicStatus[];
  /** ISO instants, on received_at */
  from?: string;
  to?: string;
}

/** What the public form and Open311 send. */
export interface PublicReport {
  communityId: string;
  type: string;
  description: string;
  phone?: string | undefined;
}

export function createPublicNeeds(deps: Pick<Deps, 'db' | 'engine' | 'services'>) {
  const { db, engine } = deps;

  async function present(r: Record<string, unknown>, q: Queryable = db): Promise<PublicNeed> {
    const referredTo = r.referred_to == null ? null : String(r.referred_to);
    const state = String(r.state);
    const status = statusOf(state);
    let description: string | null = null;
    if (r.source === 'public') {
      const { snapshot } = engine.load(await engine.get(String(r.id), q));
      description = (snapshot.context as NeedContext).description;
    }
    return {
      ref: String(r.ref), type: String(r.type), state, status,
      referredLevel: referredTo?.startsWith('street:') ? 'street' : referredTo?.startsWith('community:') ? 'community' : null,
      handledBy: state === 'referred' && referredTo ? referredTo : `community:${String(r.community_id)}`,
      communityId: String(r.community_id), description, receivedAt: String(r.received_at),
      updatedAt: String(status === 'closed' && r.resolved_at != null ? r.resolved_at : r.updated_at),
    };
  }

  return {
    /** Files a need from the public (source `public`, no register entry); answers its reference only. */
    async report(input: PublicReport): Promise<{ ref: string }> {
      const body: Record<string, unknown> = { source: 'public', type: input.type, description: input.description, communityId: input.communityId };
      if (input.phone) body.contact = { phone: input.phone };
      // The community is checked first, so that a form with a bad phone and no community names both.
      const communities = await deps.services.reference.communities();
      const communityError = !input.communityId ? 'validation.required' : communities.some((c) => c.id === input.communityId) ? undefined : 'validation.needCommunity';
      try {
        const created = await deps.services.needs.create(null, body);
        return { ref: created.ref };
      } catch (err) {
        if (err instanceof InvalidError && communityError) throw new InvalidError(err.message, { fields: { ...err.fields, communityId: communityError } });
        throw err;
      }
    },

    async byRef(ref: string): Promise<PublicNeed | null> {
      const r = await db('needs').where({ ref }).first();
      return r ? present(r) : null;
    },

    /** Needs by the filter, newest first, paged. */
    async list(filter: PublicNeedFilter, page: { page: number; pageSize: number }): Promise<{ needs: PublicNeed[]; total: number }> {
      const q = db('needs');
      if (filter.refs?.length) q.whereIn('ref', filter.refs);
      if (filter.types?.length) q.whereIn('type', filter.types);
      if (filter.statuses?.length === 1) {
        if (filter.statuses[0] === 'open') q.whereIn('state', [...OPEN_NEED_STATES]);
        else q.whereNotIn('state', [...OPEN_NEED_STATES]);
      }
      if (filter.from) q.where('received_at', '>=', filter.from);
      if (filter.to) q.where('received_at', '<=', filter.to);
      const [{ n }] = (await q.clone().count({ n: '*' })) as [{ n: number | string }];
      const rows = await q.orderBy([{ column: 'received_at', order: 'desc' }, { column: 'ref', order: 'desc' }])
        .limit(page.pageSize).offset((page.page - 1) * page.pageSize)
        .select('id', 'ref', 'type', 'source', 'state', 'community_id', 'referred_to', 'received_at', 'resolved_at', 'updated_at');
      const needs: PublicNeed[] = [];
      for (const r of rows as Array<Record<string, unknown>>) needs.push(await present(r));
      return { needs, total: Number(n) };
    },
  };
}

export type PublicNeeds = ReturnType<typeof createPublicNeeds>;
