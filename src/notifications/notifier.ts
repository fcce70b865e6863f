// Turns a workflow's `notify` effect into outbox rows: finds the recipients by role and scope, renders
// the notice in each recipient's language, and enqueues it in the transition's transaction.
import { absoluteUrl } from '../lib/urls.js';
import { enqueueMail, enqueueMails } from '../engine/outbox.js';
import type { Trx } from '../lib/db.js';
import type { Lang } from '../lib/i18n.js';
import type { NotifyTemplate, Recipient } from '../../workflows/project/index.js';

export interface MailData {
  projectId: string;
  ref: string;
  title: string;
  event: string;
  reason?: string;
  url: string;
  recipientName: string;
  /** In a digest: how many notices it gathers (objections received in the hour). */
  count?: number;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html?: string;
}

export type MailRenderer = (template: NotifyTemplate, lang: Lang, data: MailData) => RenderedMail;

type Emitted = { template: NotifyTemplate; to: Recipient; data: { projectId: string; ref: string; title: string; event: string; reason?: string } };

/** Notices gathered into a digest per project and hour rather than sent one by one. */
const DIGESTS: ReadonlySet<NotifyTemplate> = new Set<NotifyTemplate>(['objection_received']);
const HOUR_MS = 3600_000;

export function createNotifier(deps: { render: MailRenderer; baseUrl: string }) {
  async function recipients(trx: Trx, to: Recipient, districtId: string) {
    const q = trx('users').where({ role: to.role, disabled: false });
    if (to.communityId) q.where('community_id', to.communityId);
    if (to.streetId) q.where('street_id', to.streetId);
    // district finance pays unless the rules make a street's finance user the payer
    else if (to.role === 'finance') q.whereNull('street_id');
    if (to.role === 'district' || to.role === 'finance') q.where('district_id', districtId);
    if (to.vendorIds) {
      if (to.vendorIds.length === 0) return [];
      q.whereIn('vendor_id', to.vendorIds);
    }
    return q.select('email', 'name', 'lang');
  }

  /**
   * Objections come in bursts (one per resident), so each recipient gets one digest per notice per
   * hour: the hour's first objection writes an outbox row keyed by project and hour, due at the end
   * of the hour; later ones in that hour rewrite it while it is still pending, with the count. All in
   * the transition's transaction, like every other notice.
   */
  async function digest(trx: Trx, emitted: Emitted, list: Awaited<ReturnType<typeof recipients>>, at: string): Promise<void> {
    const hour = new Date(Math.floor(Date.parse(at) / HOUR_MS) * HOUR_MS);
    const key = `${emitted.template}:${emitted.data.projectId}:${hour.toISOString()}`;
    // The event being carried out is not in the history yet: this hour's earlier ones, plus itself.
    const earlier = await trx('workflow_history')
      .where({ instance_id: emitted.data.projectId, type: emitted.data.event })
      .andWhere('at', '>=', hour.toISOString())
      .count<{ n: number | string }[]>({ n: '*' });
    const count = Number(earlier[0]?.n ?? 0) + 1;
    for (const r of list) {
      const lang: Lang = r.lang === 'en' ? 'en' : 'zh-CN';
      const mail = deps.render(emitted.template, lang, { ...emitted.data, url: absoluteUrl(deps.baseUrl, `/projects/${encodeURIComponent(emitted.data.projectId)}`), recipientName: r.name, count });
      const pending = await trx('outbox').where({ digest_key: key, to_addr: r.email, status: 'pending' }).first('id');
      if (pending) {
        await trx('outbox').where({ id: pending.id, status: 'pending' }).update({ subject: mail.subject, text: mail.text, html: mail.html ?? null });
      } else {
        await enqueueMail(trx, { to: r.email, ...mail, template: emitted.template, instanceId: emitted.data.projectId, digestKey: key, sendAt: new Date(hour.getTime() + HOUR_MS).toISOString() }, at);
      }
    }
  }

  /** `districtId`: the project's (its context's, the same the projects row holds) */
  return async function notify(
    trx: Trx,
    emitted: Emitted,
    at: string,
    districtId: string,
  ): Promise<number> {
    const list = await recipients(trx, emitted.to, districtId);
    if (DIGESTS.has(emitted.template)) {
      await digest(trx, emitted, list, at);
      return list.length;
    }
    // one statement for every recipient of the notice
    await enqueueMails(trx, list.map((r) => {
      const lang: Lang = r.lang === 'en' ? 'en' : 'zh-CN';
      const mail = deps.render(emitted.template, lang, {
        ...emitted.data,
        url: absoluteUrl(deps.baseUrl, `/projects/${encodeURIComponent(emitted.data.projectId)}`),
        recipientName: r.name,
      });
      return { to: r.email, ...mail, template: emitted.template, instanceId: emitted.data.projectId };
    }), at);
    return list.length;
  };
}

export type Notify = ReturnType<typeof createNotifier>;
