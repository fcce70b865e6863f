// For knex's own CLI (`npx knex --knexfile db/knexfile.ts migrate:status`): the same settings the
// app uses, from src/config.ts, and the same statically listed migrations. The app itself never
// reads this file; `weishishi migrate` (and every start) applies migrations.
import type { Knex } from 'knex';
import { loadConfig } from '../src/config.js';
import { migrationSource } from './migrations/index.js';

const { database } = loadConfig();

const config: Knex.Config =
  database.client === 'sqlite'
    ? { client: database.driver, connection: { filename: database.filename }, useNullAsDefault: true, migrations: { migrationSource } }
    : {
        client: 'pg',
        connection: { connectionString: database.connectionString },
        ...(database.schema ? { searchPath: [database.schema, 'public'] } : {}),
        migrations: { migrationSource, ...(database.schema ? { schemaName: database.schema } : {}) },
      };

export default config;
