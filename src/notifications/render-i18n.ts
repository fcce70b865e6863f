// Plain-text notices from the locale files (emails.<template>.subject / .text). The web layer may
// supply a richer renderer (Handlebars HTML + text); this one needs nothing but i18n.
import { t } from '../lib/i18n.js';
import type { MailRenderer } from './notifier.js';

export const renderWithI18n: MailRenderer = (template, lang, data) => {
  const params = { ...data, event: t(lang, `events.${data.event}`, { defaultValue: data.event }), reason: data.reason ?? '' };
  return {
    subject: t(lang, `emails.${template}.subject`, params),
    text: `${t(lang, 'emails.greeting', params)}\n\n${t(lang, `emails.${template}.text`, params)}${data.reason ? `\n\n${t(lang, 'emails.reason', params)}` : ''}\n\n${data.url}\n\n${t(lang, 'emails.footer')}`,
  };
};
