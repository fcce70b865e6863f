// Wires the domain components (workflows, their effect handlers, and the services the web layer
// calls). Each component owns its folder; this file only connects them.
import type { Config } from './config.js';
import type { Engine } from './engine/engine.js';
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
import { seedDemo, type DemoSeedResult } from './demo/seed.js';
import { seedStories, type StoryRuntime } from './demo/stories.js';
import { createEngine } from './engine/engine.js';
import { createTimerWorker } from './engine/timers.js';
import type { ManualClock } from './lib/clock.js';
import { createInboxService } from './inbox/inbox-service.js';
import { createPublicService } from './public/public-service.js';
import { createAdminService } from './admin/admin-service.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  renderMail?: MailRenderer;
}

export type { DemoSeedResult };

export function buildServices(deps: ServiceDeps) {
  const { db, clock } = deps;
  let engine: Engine | undefined;
  const getEngine = () => {
    if (!engine) throw new Error('engine not attached yet');
    return engine;
  };
  const users = createUserService({ db, clock });
  const reference = createReferenceService({ db, clock });
  const ledger = createLedger({ db, clock });
  const calendar = createCalendarService({ db, clock });
  const rules = createRulesService({ db, clock });
  const beneficiaries = createBeneficiaryService({ db, clock });
  const projects = createProjectService({ db, clock, reference, rules, beneficiaries, engine: getEngine });
  const documents = createDocumentService({ db, clock, uploadDir: deps.config.uploadDir, projects });
  const admin = createAdminService({ db, clock, users, reference, ledger, rules, calendar });
  const inbox = createInboxService({ db, clock, engine: getEngine, reference, attention: () => admin.attention() });
  const publicSite = createPublicService({ db, clock, reference, ledger, projects });
  const notify = createNotifier({ render: deps.renderMail ?? renderWithI18n, baseUrl: deps.config.baseUrl });
  let tick: (() => Promise<void>) | undefined;
  const workflows: WorkflowDefinition[] = [projectDefinition() as WorkflowDefinition];
  const effects: Record<string, EffectHandler> = projectEffects({ ledger, notify });
  const enrichEnv = (trx: Trx) => calendar.calendar(trx);
  /** The same components on their own engine and clock, for the demo stories. */
  const storyRuntime = (c: ManualClock): StoryRuntime => {
    const e = createEngine({ db, clock: c, workflows, effects, enrichEnv });
    const p = createProjectService({ db, clock: c, reference, rules, beneficiaries, engine: () => e });
    return { projects: p, timers: createTimerWorker({ db, engine: e, clock: c }), documents: createDocumentService({ db, clock: c, uploadDir: deps.config.uploadDir, projects: p }) };
  };

  const services = {
    users, reference, ledger, calendar, rules, beneficiaries, projects, documents, inbox, publicSite, admin,
    attachEngine(e: Engine) {
      engine = e;
    },
    /**
     * Seeds the demo district on an empty database (idempotent). With stories, demo projects are
     * driven through the lifecycle on a sandbox clock that ends at now (npm start); without, a
     * minimal set that tests build on.
     */
    seedDemo: (opts: { stories?: boolean } = {}): Promise<DemoSeedResult> =>
      seedDemo({ db, clock, users, reference, ledger, beneficiaries, projects, engine: getEngine }, {
        ...(opts.stories ? { stories: (c: Clock) => seedStories({ clock: c, users, runtime: storyRuntime }) } : {}),
      }),
    /** Lets the sandbox clock run the workers after moving time. */
    onTick(fn: () => Promise<void>) {
      tick = fn;
    },
    runWorkers: () => tick?.() ?? Promise.resolve(),
  };

  return { workflows, effects, enrichEnv, services };
}

export type Services = ReturnType<typeof buildServices>['services'];
