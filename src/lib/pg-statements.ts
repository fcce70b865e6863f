import { createHash } from 'node:crypto';

/**
 * PostgreSQL: the statements a connection sends again and again are prepared on it once.
 *
 * node-postgres sends an unnamed statement as Parse, Bind, Execute every time, and the server
 * parses and plans its text every time: for the engine's grouped write (a `WITH` of five to nine
 * parts) that is half of the statement's time in the server (0.33 ms parse, 0.57 ms bind, 0.78 ms
 * execute, measured on the lifecycle bench). A named statement is parsed once per connection and,
 * after five executions, planned once (PostgreSQL's `plan_cache_mode = auto`).
 *
 * Which statements: a text with parameters the connection has sent before (`SEEN_BEFORE_PREPARING`
 * times), so a list query with a one-off filter or an `IN` list of a new length is not kept. Each
 * is named after its text's hash, so two texts never share a name. A connection holds at most
 * `MAX_PREPARED` of them; past that, `DEALLOCATE ALL` is queued before its next statement and it
 * begins again. Statements without parameters (BEGIN, COMMIT, DDL) are never named.
 *
 * A prepared `SELECT *` fails with "cached plan must not change result type" once its table's
 * columns change. So a connection that sees DDL (a migration, the tests' schema work) makes every
 * connection of its pool drop its statements before its next one; and a connection that gets that
 * error anyway (another process changed the schema) drops its statements, so only the statement
 * that met the change fails.
 *
 * `prepare=0` in DATABASE_URL turns this off: a pooler in transaction mode that does not track
 * prepared statements (PgBouncer before 1.21, or with `max_prepared_statements = 0`) needs that.
 */

/** The part of a node-postgres client this uses. */
interface PgClient {
  query(config: unknown, ...rest: unknown[]): unknown;
  connection?: { parsedStatements: Record<string, string> };
}
interface QueryConfig {
  text?: unknown;
  values?: unknown;
  name?: unknown;
}

export const SEEN_BEFORE_PREPARING = 1;
export const MAX_PREPARED = 200;
/** Texts remembered per connection while they wait to be seen again. */
const MAX_REMEMBERED = 2_000;

const DDL = /^\s*(alter|create|drop|comment|rename)\s/i;
const RESULT_TYPE_CHANGED = '0A000';

/** What one pool's connections share: the count of schema changes they have seen. */
export interface StatementPool {
  schemaChanges: number;
}

export function statementPool(): StatementPool {
  return { schemaChanges: 0 };
}

/** Makes `client` (a new connection of `pool`) prepare the statements it repeats. */
export function prepareRepeatedStatements(client: PgClient, pool: StatementPool, opts: { max?: number } = {}): void {
  const max = opts.max ?? MAX_PREPARED;
  const send = client.query.bind(client);
  /** How often each text not prepared yet has been sent, by its name-to-be (texts run to kilobytes). */
  const seen = new Map<string, number>();
  /** Prepared texts and their names. */
  const names = new Map<string, string>();
  let schemaChanges = pool.schemaChanges;
  /** The names this connection holds may be stale or too many: they go before it names another. */
  let mustDrop = false;
  let dropping = false;

  /**
   * Queues DEALLOCATE ALL. node-postgres runs a callback before it sends the next queued statement,
   * so once the server has done it the connection forgets its names before anything else goes out.
   * Inside a failed transaction it is refused, and the next statement tries again.
   */
  const dropAll = () => {
    dropping = true;
    send('DEALLOCATE ALL', (err: unknown) => {
      dropping = false;
      if (err) return;
      mustDrop = false;
      // what was prepared has repeated: it is prepared again the next time it comes
      for (const name of names.values()) seen.set(name, SEEN_BEFORE_PREPARING);
      names.clear();
      if (client.connection) client.connection.parsedStatements = {};
    });
  };

  client.query = (config: unknown, ...rest: unknown[]) => {
    if (!isQueryConfig(config)) return send(config, ...rest);
    const text = config.text as string;
    if (DDL.test(text)) {
      pool.schemaChanges++;
      return send(config, ...rest);
    }
    if (schemaChanges !== pool.schemaChanges) {
      schemaChanges = pool.schemaChanges;
      if (names.size > 0) mustDrop = true;
    }
    if (mustDrop && !dropping) dropAll();
    if (mustDrop || config.name !== undefined || !Array.isArray(config.values) || config.values.length === 0) return send(config, ...rest);
    let name = names.get(text);
    if (!name) {
      const candidate = nameOf(text);
      const times = seen.get(candidate) ?? 0;
      if (times < SEEN_BEFORE_PREPARING) {
        if (seen.size >= MAX_REMEMBERED) seen.clear();
        seen.set(candidate, times + 1);
        return send(config, ...rest);
      }
      if (names.size >= max) {
        mustDrop = true;
        dropAll();
        return send(config, ...rest);
      }
      seen.delete(candidate);
      name = candidate;
      names.set(text, name);
    }
    const named = { ...config, name };
    const at = rest.findIndex((r) => typeof r === 'function');
    if (at < 0) {
      const sent = send(named, ...rest);
      if (sent instanceof Promise) sent.catch((err: unknown) => { if (isResultTypeChange(err)) mustDrop = true; });
      return sent;
    }
    const callback = rest[at] as (err: unknown, res: unknown) => void;
    const args = [...rest];
    args[at] = (err: unknown, res: unknown) => {
      if (isResultTypeChange(err)) mustDrop = true;
      callback(err, res);
    };
    return send(named, ...args);
  };
}

/** A text's statement name: its hash, so two texts never share one. */
function nameOf(text: string): string {
  return `wss_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
}

/** A plain query config (what knex sends); a submittable (a cursor, a stream) goes through untouched. */
function isQueryConfig(config: unknown): config is QueryConfig {
  return typeof config === 'object' && config !== null && typeof (config as QueryConfig).text === 'string' && typeof (config as { submit?: unknown }).submit !== 'function';
}

function isResultTypeChange(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === RESULT_TYPE_CHANGED;
}
