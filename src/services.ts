// Wires the domain components (workflows, their effect handlers, and the services the web layer
// calls). Each component owns its folder; this file only connects them.
import type { Config } from './config.js';
import type { Engine } from './engine/engine.js';
import type { EffectHandler, WorkflowDefinition } from './engine/types.js';
import type { Clock } from './lib/clock.js';
import type { Db, Trx } from './lib/db.js';
import type { Logger } from './lib/logger.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
}

export interface DemoSeedResult {
  password: string;
  logins: Array<{ email: string; role: string }>;
}

export interface Services {
  attachEngine(engine: Engine): void;
  /** Seeds the demo district on an empty database (idempotent); absent until the domain is wired. */
  seedDemo?(): Promise<DemoSeedResult>;
  /** Lets the sandbox clock run the workers after moving time. */
  onTick?(tick: () => Promise<void>): void;
}

export function buildServices(_deps: ServiceDeps): {
  workflows: WorkflowDefinition[];
  effects: Record<string, EffectHandler>;
  enrichEnv: (trx: Trx) => Promise<unknown>;
  services: Services;
} {
  return {
    workflows: [],
    effects: {},
    enrichEnv: async () => undefined,
    services: { attachEngine: () => undefined },
  };
}
