// E-mail notices rendered with Handlebars: templates/emails/<template>.html.hbs and .text.hbs, each
// wrapped in the e-mail layout (templates/emails/partials). Words come from the locale files
// (emails.*), so one template serves zh-CN and English. Wired as `renderMail` in src/deps.ts.
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { t, type Lang } from '../lib/i18n.js';
import { NOTIFY_TEMPLATES, type NotifyTemplate } from '../../workflows/project/index.js';
import type { MailData, MailRenderer, RenderedMail } from './notifier.js';
import { fromRoot } from '../lib/paths.js';

const EMAILS_DIR = fromRoot('templates', 'emails');

type Compiled = { html: HandlebarsTemplateDelegate; text: HandlebarsTemplateDelegate };

function createEnv() {
  const html = Handlebars.create();
  // Plain text is never HTML-escaped: a title with "<" must read as "<" in the text part.
  const text = Handlebars.create();
  for (const env of [html, text]) {
    env.registerHelper('t', (key: string, options: { data?: { root?: { lang?: Lang } }; hash?: Record<string, unknown> }) =>
      t(options.data?.root?.lang ?? 'zh-CN', key, options.hash ?? {}));
    env.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  }
  const partialsDir = path.join(EMAILS_DIR, 'partials');
  for (const f of fs.readdirSync(partialsDir)) {
    const src = fs.readFileSync(path.join(partialsDir, f), 'utf8');
    // Registered compiled: a partial registered as text is compiled again on every render (the
    // runtime keeps the compiled copy in that render's own partials object), which was a third of
    // each notice's rendering.
    if (f.endsWith('.html.hbs')) html.registerPartial(f.slice(0, -'.html.hbs'.length), html.compile(src, { strict: false }));
    if (f.endsWith('.text.hbs')) text.registerPartial(f.slice(0, -'.text.hbs'.length), text.compile(src, { noEscape: true }));
  }
  return { html, text };
}

/** Compiles every notify template once; a missing template file fails at start-up, not at send time. */
export function createHbsMailRenderer(): MailRenderer & { templates: readonly NotifyTemplate[] } {
  const env = createEnv();
  const compiled = new Map<NotifyTemplate, Compiled>();
  for (const name of NOTIFY_TEMPLATES) {
    const read = (ext: string) => fs.readFileSync(path.join(EMAILS_DIR, `${name}.${ext}.hbs`), 'utf8');
    compiled.set(name, { html: env.html.compile(read('html'), { strict: false }), text: env.text.compile(read('text'), { noEscape: true }) });
  }
  const render = (template: NotifyTemplate, lang: Lang, data: MailData): RenderedMail => {
    const c = compiled.get(template);
    if (!c) throw new Error(`no e-mail template ${template}`);
    const eventName = t(lang, `emails.eventNames.${data.event}`, { defaultValue: data.event });
    const model = { ...data, lang, eventName, reason: data.reason ?? '', hasReason: Boolean(data.reason), template };
    const subject = t(lang, `emails.${template}.subject`, { ...model, event: eventName });
    return {
      subject,
      html: c.html(model, { data: { root: model } }),
      text: `${c.text(model, { data: { root: model } }).replace(/\n{3,}/g, '\n\n').trim()}\n`,
    };
  };
  return Object.assign(render, { templates: NOTIFY_TEMPLATES });
}

/** Sample data for the admin preview of each template. */
export function sampleMailData(template: NotifyTemplate, lang: Lang): MailData {
  const en = lang === 'en';
  return {
    projectId: 'preview',
    ref: 'XZ-2026-0001',
    title: en ? 'Stair-climbers for Lianhua Community' : '莲花社区爬楼机配置',
    event: template === 'returned' ? 'RETURN' : template === 'rejected' ? 'REJECT' : template === 'approved' ? 'APPROVE' : 'SUBMIT',
    ...(template === 'returned' || template === 'rejected' ? { reason: en ? 'Please attach the residents’ council minutes.' : '请补充居民议事会会议纪要。' } : {}),
    url: 'https://weishishi.example.org/projects/preview',
    recipientName: en ? 'Li Fang' : '李芳',
  };
}
