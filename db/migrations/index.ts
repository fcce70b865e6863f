// Migrations are listed here rather than discovered on disk, so they load the same under tsx,
// vitest and a compiled build. Never edit a released migration: add a new one.
import type { Knex } from 'knex';
import * as engineTables from './20261129120000_engine_tables.js';
import * as referenceAndUsers from './20261129130000_reference_and_users.js';
import * as projectsAndLedger from './20261129130100_projects_and_ledger.js';
import * as sessions from './20261129140000_sessions.js';
import * as documentLinks from './20261201120000_document_links.js';
import * as waitingAndPublic from './20261202120000_waiting_and_public.js';
import * as historyWorkflowVersion from './20261203120000_history_workflow_version.js';
import * as requestLimits from './20261203140000_request_limits.js';
import * as pendingDocuments from './20261204120000_pending_documents.js';
import * as idNumberRegistry from './20261205120000_id_number_registry.js';
import * as groupsAndBudgetYear from './20261205130000_groups_and_budget_year.js';
import * as communityPhone from './20261205140000_community_phone.js';
import * as stageVisits from './20261206120000_stage_visits.js';
import * as documentKinds from './20261206130000_document_kinds.js';
import * as historyHashScheme from './20261206140000_history_hash_scheme.js';
import * as documentCapture from './20261207120000_document_capture.js';
import * as queryIndexes from './20261208120000_query_indexes.js';
import * as vendorRecords from './20261209120000_vendor_records.js';
import * as ratingCodes from './20261210120000_rating_codes.js';
import * as serviceLibrary from './20261211130000_service_library.js';
import * as needs from './20261212120000_needs.js';
import * as beneficiaryRegister from './20261212130000_beneficiary_register.js';
import * as careCalls from './20261213120000_care_calls.js';
import * as careCallCadence from './20261214120000_care_call_cadence.js';
import * as careSupplies from './20261214130000_care_supplies.js';
import * as waitsKey from './20261215120000_waits_key.js';
import * as stageVisitYearIndex from './20261215130000_stage_visit_year_index.js';
import * as snapshotParts from './20261216120000_snapshot_parts.js';
import * as outboxBodies from './20261217120000_outbox_bodies.js';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

const migrations: Record<string, Migration> = {
  '20261129120000_engine_tables': engineTables,
  '20261129130000_reference_and_users': referenceAndUsers,
  '20261129130100_projects_and_ledger': projectsAndLedger,
  '20261129140000_sessions': sessions,
  '20261201120000_document_links': documentLinks,
  '20261202120000_waiting_and_public': waitingAndPublic,
  '20261203120000_history_workflow_version': historyWorkflowVersion,
  '20261203140000_request_limits': requestLimits,
  '20261204120000_pending_documents': pendingDocuments,
  '20261205120000_id_number_registry': idNumberRegistry,
  '20261205130000_groups_and_budget_year': groupsAndBudgetYear,
  '20261205140000_community_phone': communityPhone,
  '20261206120000_stage_visits': stageVisits,
  '20261206130000_document_kinds': documentKinds,
  '20261206140000_history_hash_scheme': historyHashScheme,
  '20261207120000_document_capture': documentCapture,
  '20261208120000_query_indexes': queryIndexes,
  '20261209120000_vendor_records': vendorRecords,
  '20261210120000_rating_codes': ratingCodes,
  '20261211130000_service_library': serviceLibrary,
  '20261212120000_needs': needs,
  '20261212130000_beneficiary_register': beneficiaryRegister,
  '20261213120000_care_calls': careCalls,
  '20261214120000_care_call_cadence': careCallCadence,
  '20261214130000_care_supplies': careSupplies,
  '20261215120000_waits_key': waitsKey,
  '20261215130000_stage_visit_year_index': stageVisitYearIndex,
  '20261216120000_snapshot_parts': snapshotParts,
  '20261217120000_outbox_bodies': outboxBodies,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const m = migrations[name];
    if (!m) throw new Error(`unknown migration ${name}`);
    return m;
  },
};
