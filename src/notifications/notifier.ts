// Turns a workflow's `notify` effect into outbox rows: finds the recipients by role and scope, renders
// the notice in each recipient's language, and enqueues it in the transition's transaction.
import { enqueueMail } from '../engine/outbox.js';
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
}

export interface RenderedMail {
  subject: string;
  text: string;
  html?: string;
}

export type MailRenderer = (template: NotifyTemplate, lang: Lang, data: MailData) => RenderedMail;

export function createNotifier(deps: { render: MailRenderer; baseUrl: string }) {
  async function recipients(trx: Trx, projectId: string, to: Recipient) {
    const project = await trx('projects').where({ id: projectId }).first('district_id');
    const q = trx('users').where({ role: to.role, disabled: false });
    if (to.communityId) q.where('community_id', to.communityId);
    if (to.streetId) q.where('street_id', to.streetId);
    if (to.role === 'district' || to.role === 'finance') q.where('district_id', project?.district_id ?? '');
    if (to.vendorIds) {
      if (to.vendorIds.length === 0) return [];
      q.whereIn('vendor_id', to.vendorIds);
    }
    return q.select('email', 'name', 'lang');
  }

  return async function notify(
    trx: Trx,
    emitted: { template: NotifyTemplate; to: Recipient; data: { projectId: string; ref: string; title: string; event: string; reason?: string } },
    at: string,
  ): Promise<number> {
    const list = await recipients(trx, emitted.data.projectId, emitted.to);
    for (const r of list) {
      const lang: Lang = r.lang === 'en' ? 'en' : 'zh-CN';
      const mail = deps.render(emitted.template, lang, {
        ...emitted.data,
        url: `${deps.baseUrl}/projects/${emitted.data.projectId}`,
        recipientName: r.name,
      });
      await enqueueMail(trx, { to: r.email, ...mail, template: emitted.template, instanceId: emitted.data.projectId }, at);
    }
    return list.length;
  };
}

export type Notify = ReturnType<typeof createNotifier>;
