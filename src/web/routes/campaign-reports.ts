// A care-call campaign's report in the pages (issue 15 item 4): GET /campaigns/:id/report?from=&to=
// (the per-day table with its totals, needs by type × outcome, the referrals, the median time to
// resolution and the projects the needs were adopted into) and the same as a download,
// /campaigns/:id/report.csv and .xlsx (src/exports). Staff in the campaign's scope only; the figures
// and who may read them are the report service's (src/campaigns/campaign-report.ts). No personal
// data: counts, need types and project references only.
import express, { type Request } from 'express';
import type { Deps } from '../../deps.js';
import { t, type Lang } from '../../lib/i18n.js';
import { CAMPAIGN_STAFF } from '../../campaigns/campaign-service.js';
import { OUTCOME_KEYS, type CampaignReport, type Outcomes } from '../../campaigns/campaign-report.js';
import { ENDED_OUTCOMES } from '../../../workflows/need/index.js';
import { joinTitle, type Cell, type ExportColumn, type ExportTable } from '../../exports/table.js';
import { EXPORT_FORMATS, sendExport } from './exports.js';
import { langOf, page, render, requireRole } from '../render.js';
import { idParam } from '../params.js';

const STAFF = [...CAMPAIGN_STAFF];
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The report's filter as the query gives it (?from=&to=; the service validates: 422 naming the field). */
const reportQuery = (req: Request) => ({ from: req.query.from, to: req.query.to });

const needType = (lang: Lang, type: string) => t(lang, `needs.types.${type}`, { defaultValue: type });
const outcomeCells = (o: Outcomes) => OUTCOME_KEYS.map((k) => o[k]);
const percent = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
const fixed1 = (n: number) => (Math.round(n * 10) / 10).toFixed(1);

/** The median as words: hours and days, one decimal each; null when no need reached an outcome. */
export function medianText(lang: Lang, ms: number | null): string | null {
  return ms === null ? null : t(lang, 'campaigns.report.median.value', { hours: fixed1(ms / HOUR_MS), days: fixed1(ms / DAY_MS) });
}

const outcomeCount = (o: Outcomes) => ENDED_OUTCOMES.reduce((s, k) => s + o[k], 0);

/** The report as one export table: the days, the totals, the need types, the median, the adopted projects. */
export function campaignReportTable(r: CampaignReport, lang: Lang): ExportTable {
  const k = (key: string) => t(lang, `campaigns.report.${key}`);
  const columns: ExportColumn[] = [
    { header: k('export.section'), kind: 'text', width: 16 }, { header: k('export.key'), kind: 'text', width: 30 },
    { header: k('col.calls'), kind: 'int' }, { header: k('col.reached'), kind: 'int' }, { header: k('export.reachRate'), kind: 'percent' },
    { header: k('col.residentsCalled'), kind: 'int' }, { header: k('col.needs'), kind: 'int' },
    ...OUTCOME_KEYS.map((o): ExportColumn => ({ header: k(`outcomes.${o}`), kind: 'int' })),
  ];
  const none = OUTCOME_KEYS.map(() => null);
  const rows: Cell[][] = [
    ...r.days.map((d): Cell[] => [k('export.sections.day'), d.day, d.calls, d.reached, d.reachRate, d.residentsCalled, d.needs, ...outcomeCells(d.outcomes)]),
    [k('export.sections.total'), r.from && r.to ? t(lang, 'campaigns.report.export.range', { from: r.from, to: r.to }) : '', r.totals.calls, r.totals.reached, r.totals.reachRate, r.totals.residentsCalled, r.totals.needs, ...outcomeCells(r.totals.outcomes)],
    ...r.needsByType.map((x): Cell[] => [k('export.sections.type'), needType(lang, x.type), null, null, null, null, x.needs, ...outcomeCells(x.outcomes)]),
    // where the referred needs went: resolved there, or still open there
    ...(['street', 'community'] as const).map((level): Cell[] => [
      k('export.sections.referral'), k(`export.referredTo.${level}`), null, null, null, null, r.referrals.resolved[level] + r.referrals.open[level],
      ...OUTCOME_KEYS.map((o) => (o === 'resolvedAfterReferral' ? r.referrals.resolved[level] : o === 'referredOpen' ? r.referrals.open[level] : null)),
    ]),
    [k('export.sections.median'), medianText(lang, r.medianResolutionMs) ?? k('export.medianNone'), null, null, null, null, outcomeCount(r.totals.outcomes), ...none],
    ...r.adoptedProjects.map((p): Cell[] => [k('export.sections.project'), `${p.ref} ${p.title}`, null, null, null, null, p.needs, ...none]),
  ];
  const range = r.from && r.to ? t(lang, 'campaigns.report.export.range', { from: r.from, to: r.to }) : '';
  return {
    title: joinTitle([k('title'), r.campaign.name, range]),
    sheetName: k('export.sheet'),
    filename: joinTitle([r.campaign.name, k('title'), r.from && r.to ? `${r.from}_${r.to}` : '']),
    asciiFilename: `care-call-report${r.from && r.to ? `_${r.from}_${r.to}` : ''}`,
    columns,
    rows,
  };
}

export function campaignReportPageRoutes(deps: Deps): express.Router {
  const { campaignReports } = deps.services;
  const r = express.Router();

  for (const format of EXPORT_FORMATS) {
    r.get(`/campaigns/:id/report.${format}`, requireRole(...STAFF), page(async (req, res) => {
      const report = await campaignReports.report(req.user!, idParam(req), reportQuery(req));
      await sendExport(res, campaignReportTable(report, langOf(req)), format, deps.logger);
    }));
  }

  r.get('/campaigns/:id/report', requireRole(...STAFF), page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    const rep = await campaignReports.report(req.user!, id, reportQuery(req));
    const langQs = typeof req.query.lang === 'string' ? `lang=${lang}` : '';
    const withLang = (url: string) => (langQs ? `${url}${url.includes('?') ? '&' : '?'}${langQs}` : url);
    const base = `/campaigns/${encodeURIComponent(id)}`;
    const cells = (o: Outcomes) => OUTCOME_KEYS.map((key) => ({ label: t(lang, `campaigns.report.outcomes.${key}`), value: o[key] }));
    const figures = (d: Omit<CampaignReport['days'][number], 'day'>) => ({
      calls: d.calls, reached: d.reached, rate: percent(d.reachRate), residentsCalled: d.residentsCalled, needs: d.needs, outcomes: cells(d.outcomes),
    });
    const { resolved, open } = rep.referrals;
    const adoptedNeeds = rep.adoptedProjects.reduce((s, p) => s + p.needs, 0);
    render(req, res, 'pages/campaigns/report', {
      title: `${rep.campaign.name} · ${t(lang, 'campaigns.report.title')}`,
      heading: t(lang, 'campaigns.report.heading', { name: rep.campaign.name }),
      backHref: withLang(base),
      lead: rep.from && rep.to ? t(lang, 'campaigns.report.lead', { from: rep.from, to: rep.to, residents: rep.residents }) : null,
      action: `${base}/report`, csvAction: `${base}/report.csv`, xlsxAction: `${base}/report.xlsx`,
      langField: langQs ? lang : null,
      from: typeof req.query.from === 'string' ? req.query.from : (rep.from ?? ''),
      to: typeof req.query.to === 'string' ? req.query.to : (rep.to ?? ''),
      min: rep.campaign.startOn, max: rep.campaign.endOn,
      hasDays: rep.days.length > 0,
      outcomeHeaders: OUTCOME_KEYS.map((key) => t(lang, `campaigns.report.outcomes.${key}`)),
      days: rep.days.map((d) => ({ day: d.day, ...figures(d) })),
      totals: figures(rep.totals),
      types: rep.needsByType.map((x) => ({ key: x.type, label: needType(lang, x.type), needs: x.needs, outcomes: cells(x.outcomes) })),
      typeTotals: { needs: rep.totals.needs, outcomes: cells(rep.totals.outcomes) },
      referralsText: t(lang, 'campaigns.report.referrals.text', {
        resolved: resolved.street + resolved.community, resolvedStreet: resolved.street, resolvedCommunity: resolved.community,
        open: open.street + open.community, openStreet: open.street, openCommunity: open.community,
      }),
      medianText: medianText(lang, rep.medianResolutionMs),
      medianBasis: t(lang, 'campaigns.report.median.basis', { count: outcomeCount(rep.totals.outcomes) }),
      projects: rep.adoptedProjects.map((p) => ({ href: withLang(`/projects/${encodeURIComponent(p.projectId)}`), ref: p.ref, title: p.title, needs: p.needs })),
      projectsSummary: t(lang, 'campaigns.report.projects.summary', { needs: adoptedNeeds, projects: rep.adoptedProjects.length }),
    });
  }));
  return r;
}
