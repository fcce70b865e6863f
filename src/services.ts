// Wires the domain components (workflows, their effect handlers, and the services the web layer
// calls), in two steps around the one engine, which deps.ts builds in between: first what the
// engine is made of, then the services that drive it. Each component owns its folder; this file
// only connects them.
import type { Config } from './config.js';
import type { Engine } from './engine/engine.js';
import type { TimerWorker } from './engine/timers.js';
import type { EffectHandler, WorkflowDefinition } from './engine/types.js';
import type { Clock } from './lib/clock.js';
import type { Db, Trx } from './lib/db.js';
import type { Logger } from './lib/logger.js';
import { createUserService } from './auth/users.js';
import { createBeneficiaryService } from './beneficiaries/beneficiaries.js';
import { createLedger } from './budgets/ledger.js';
import { createCalendarService } from './calendar/calendar-service.js';
import { createNotifier, type MailRenderer } from './notifications/notifier.js';
import { renderWithI18n } from './notifications/render-i18n.js';
import { projectDefinition, projectEffects } from './projects/project-definition.js';
import { createProjectService } from './projects/project-service.js';
import { createDocumentService } from './documents/document-service.js';
import { createReferenceService } from './reference/reference.js';
import { createRulesService } from './rules/rules-service.js';
import { createVendorRecordService } from './vendors/vendor-records.js';
import { createVendorStatusService, vendorDefinition } from './vendors/vendor-status.js';
import { createVendorPerformance } from './vendors/vendor-performance.js';
import { createVendorOverview } from './vendors/vendor-overview.js';
import { createLibraryService } from './library/library-service.js';
import { tally as ratingsTally } from './ratings/rating-repo.js';
import { createRatingService } from './ratings/rating-service.js';
import { eligibilityVendorIds } from '../workflows/project/index.js';
import type { StampedEvent } from './engine/types.js';
import { seedDemo, type DemoSeedResult, type SeedOptions } from './demo/seed.js';
import { createInboxService } from './inbox/inbox-service.js';
import { createReadCache } from './lib/read-cache.js';
import { createPublicService } from './public/public-service.js';
import { createAdminService } from './admin/admin-service.js';
import { createSandboxClock } from './admin/sandbox-clock.js';
import { createMonitoringService } from './monitoring/monitoring-service.js';
import { createReportService } from './reports/report-service.js';
import { createExportService } from './exports/export-service.js';
import { needDefinition, needEffects, needEnrichFacts } from './needs/need-definition.js';
import { createNeedService } from './needs/need-service.js';
import { summarySource } from './exports/stats-export.js';
import { createCampaignService } from './campaigns/campaign-service.js';
import { createCampaignReport } from './campaigns/campaign-report.js';
import { createSupplyService } from './campaigns/supplies.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  renderMail?: MailRenderer;
}

export type { DemoSeedResult };

/**
 * Step 1: the components the engine is built from. The workflows' effects need the ledger and the
 * notifier, their enrichment the working-day calendar and the records of the vendors an event names;
 * none of these needs the engine.
 */
export function buildComponents(deps: ServiceDeps) {
  const { db, clock } = deps;
  const users = createUserService({ db, clock });
  const reference = createReferenceService({ db, clock });
  const ledger = createLedger({ db, clock });
  const calendar = createCalendarService({ db, clock });
  const rules = createRulesService({ db, clock });
  const beneficiaries = createBeneficiaryService({ db, clock });
  const notify = createNotifier({ render: deps.renderMail ?? renderWithI18n, baseUrl: deps.config.baseUrl });
  // needs (issue 15 item 2): ADOPT's effect starts a project draft through the engine, bound once it exists
  const needBinding: { engine?: Engine } = {};
  const boundEngine = (): Engine => {
    if (!needBinding.engine) throw new Error('the engine is not bound yet');
    return needBinding.engine;
  };
  const workflows: WorkflowDefinition[] = [projectDefinition(), vendorDefinition(), needDefinition()];
  const effects: Record<string, EffectHandler> = { ...projectEffects({ ledger, notify }), ...needEffects({ engine: boundEngine, reference, rules }) };
  const vendorRecords = createVendorRecordService({ db, clock, reference });
  const library = createLibraryService({ db, clock, reference });
  // The calendar, and for INVITE and AWARD the vendors' records as they stand in this transaction.
  // RECORD_ACCEPTANCE by the residents' ratings: their tally as it stands in this transaction.
  const enrichEnv = async (trx: Trx, event: StampedEvent, instanceId: string, snapshot?: { context?: unknown }) => {
    // a need's ADOPT: the new draft's id, or the linked project as it stands (needs/need-definition.ts)
    const cal = { ...(await calendar.calendar(trx)), ...(await needEnrichFacts(trx, event)) };
    const ids = eligibilityVendorIds(event);
    const withRatings = event.type === 'RECORD_ACCEPTANCE' && event.satisfactionMethod === 'ratings' ? { ...cal, ratings: await ratingsTally(trx, instanceId) } : cal;
    // INVITE and AWARD of a project from the service-project library: its entry's qualified vendors now
    const libraryFacts = ids.length > 0 ? await library.vendorFactsOfInstance(trx, instanceId, snapshot) : undefined;
    const withLibrary = libraryFacts ? { ...withRatings, library: libraryFacts } : withRatings;
    return ids.length === 0 ? withLibrary : { ...withLibrary, vendorRecords: await vendorRecords.facts(ids, trx) };
  };
  return { users, reference, ledger, calendar, rules, beneficiaries, vendorRecords, library, workflows, effects, enrichEnv, needBinding };
}

export type Components = ReturnType<typeof buildComponents>;

export interface ServicesDeps extends ServiceDeps {
  components: Components;
  engine: Engine;
  timers: TimerWorker;
}

/** Step 2: the services the web layer and the CLI call, on the one engine and its timer worker. */
export function buildServices(deps: ServicesDeps) {
  const { db, clock, engine, timers } = deps;
  const { users, reference, ledger, calendar, rules, beneficiaries, vendorRecords, library } = deps.components;
  const projects = createProjectService({ db, clock, reference, rules, beneficiaries, engine, library });
  deps.components.needBinding.engine = engine;
  const needs = createNeedService({ db, clock, engine, reference, rules, beneficiaries });
  // care-call lists (issue 15 item 3): their needs start through the engine in the call's transaction
  const campaigns = createCampaignService({ db, clock, engine, reference, rules, beneficiaries, baseUrl: deps.config.baseUrl });
  // a campaign's report (issue 15 item 4): calls, reach, needs and their outcomes, by day
  const campaignReports = createCampaignReport({ db, clock, campaigns });
  // emergency supplies of a campaign (issue 15 item 5): relief money, never the ledger
  const supplies = createSupplyService({ db, clock, reference, beneficiaries, campaigns });
  const ratings = createRatingService({ db, clock, engine, projects });
  // a vendor's status (the `vendor` workflow) and its performance record (issue 14, item 2)
  const vendorStatus = createVendorStatusService({ db, engine });
  const vendorPerformance = createVendorPerformance({ db, clock });
  const vendors = createVendorOverview({ db, reference, rules, users, performance: vendorPerformance, status: vendorStatus });
  const documents = createDocumentService({ db, clock, uploadDir: deps.config.uploadDir, projects, limits: { pendingQuotaBytes: deps.config.uploadPendingQuotaBytes, perHour: deps.config.uploadRatePerHour } });
  const admin = createAdminService({ db, clock, users, reference, ledger, rules, calendar });
  const inbox = createInboxService({ db, clock, reference, attention: () => admin.attention() });
  const readCache = createReadCache(db, clock);
  const publicSite = createPublicService({ db, clock, reference, ledger, projects, engine, cache: readCache });
  const sandboxClock = createSandboxClock({ config: deps.config, clock, timers });
  const monitoring = createMonitoringService({ db, clock, calendar });
  const reports = createReportService({ db, clock, reference });
  const exporter = createExportService({ db, clock, reference, ledger, stats: summarySource(reports) });

  return {
    users, reference, ledger, calendar, rules, beneficiaries, vendorRecords, library, projects, ratings, documents, inbox, publicSite, admin,
    readCache,
    needs,
    campaigns,
    campaignReports,
    supplies,
    sandboxClock,
    vendorStatus,
    vendorPerformance,
    vendors,
    monitoring,
    reports,
    exporter,
    /**
     * Seeds the demo district on an empty database (idempotent). With stories, demo projects are
     * driven through the lifecycle by the engine, moving its still-manual clock forward (npm start,
     * `weishishi seed`: see createDeps); without, a minimal set that tests build on.
     */
    seedDemo: (opts: SeedOptions = {}): Promise<DemoSeedResult> =>
      seedDemo({ db, clock, users, reference, ledger, beneficiaries, projects, documents, timers, campaigns, needs }, opts),
  };
}

export type Services = ReturnType<typeof buildServices>;
