// The project forms: which fields each lifecycle event's form has, and the proposal form. They are
// specs of the one form model (forms/form-model.ts: kinds, conversion of posted strings, toPayload)
// with their labels under `projects.fields` and hints under `projects.hints`; the same view and
// partials draw them as every other form (forms/form-view.ts, templates/partials/field.hbs).
import { field as f, toPayload, type ConvertResult, type FieldSpec, type FormBody, type FormSpec } from './forms/form-model.js';

export { fieldsOf, toPayload, shanghaiInstant, str, strs, ITEM_ROWS } from './forms/form-model.js';
export type { ConvertResult, FieldKind, FieldSpec, FileSpec, FormBody, FormSpec } from './forms/form-model.js';

/** Dynamic option lists, filled by the view-model from the project and reference data. */
export type OptionSource = 'types' | 'categories' | 'groups' | 'budgetYears' | 'positiveAreas' | 'objectionChannels' | 'documentKinds' | 'vendors' | 'awardVendors' | 'contractItems' | 'beneficiaries' | 'grades' | 'tranches' | 'yesno' | 'satisfactionMethods';

/** The comment field every event form carries (ARCHITECTURE §4: every event accepts `comment`). */
export const COMMENT_FIELD: FieldSpec = f('comment', 'textarea', { optional: true });

/** A project form: labels and hints under `projects.*`, summary lines naming their field, and the comment field last unless `noComment`. */
function projectForm(s: Omit<FormSpec, 'labels'> & { noComment?: boolean }): FormSpec {
  const { noComment, fields, ...rest } = s;
  return { labels: 'projects.fields', hints: 'projects.hints', summaryNamesFields: true, ...rest, fields: noComment ? fields : [...fields, COMMENT_FIELD] };
}

const reason = [f('reason', 'textarea')];

/** The proposal form (/projects/new): NewProjectSchema's fields. */
export const NEW_PROJECT_FORM: FormSpec = projectForm({
  noComment: true,
  fields: [
    f('title', 'text'), f('type', 'select', { options: 'types', blank: true }), f('category', 'select', { options: 'categories', blank: true }),
    f('mainGroup', 'select', { options: 'groups', blank: true }), f('otherGroups', 'checkboxes', { options: 'groups', optional: true }),
    f('budgetYear', 'select', { options: 'budgetYears' }),
    f('description', 'textarea'), f('items', 'items'), f('estimatedFen', 'yuan', { optional: true }), f('beneficiaryCount', 'int', { optional: true }),
  ],
});

/** One form per event a person may send (ARCHITECTURE §4); timer events have none. */
const EVENT_SPECS: Record<string, Parameters<typeof projectForm>[0]> = {
  EDIT: {
    fields: [
      f('fields.title', 'text'), f('fields.type', 'select', { options: 'types' }), f('fields.category', 'select', { options: 'categories' }),
      f('fields.description', 'textarea'), f('fields.items', 'items'), f('fields.estimatedFen', 'yuan'), f('fields.beneficiaryCount', 'int', { optional: true }),
    ],
  },
  SUBMIT: { fields: [] },
  WITHDRAW: { fields: reason, warning: true },
  // The positive area, and an explicit 是/否 for each negative item of the rules version and for
  // duplication (nothing ticked by default); the view draws one field per negative item.
  SCREEN_PASS: {
    fields: [
      f('checklist.positiveArea', 'select', { options: 'positiveAreas', blank: true }),
      f('checklist.negativeItems', 'yesnomap'),
      f('checklist.duplicate', 'yesno', { options: 'yesno', blank: true }),
    ],
  },
  RETURN: { fields: reason },
  REJECT: { fields: reason, warning: true },
  RECORD_DELIBERATION: {
    fields: [f('members', 'int'), f('present', 'int'), f('for', 'int'), f('against', 'int'), f('abstain', 'int'), f('heldOn', 'date'), f('minutes', 'textarea', { optional: true })],
    files: [{ name: 'minutesFile', target: 'minutes', optional: true }],
  },
  // on the project page it is staff who record a resident's objection that came on paper, by phone or in person
  OBJECT: { fields: [f('text', 'textarea'), f('contact', 'text', { optional: true }), f('receivedVia', 'select', { options: 'objectionChannels', blank: true, optional: true })] },
  UPHOLD_OBJECTION: { fields: [f('response', 'textarea')] },
  DISMISS_OBJECTIONS: { fields: [f('response', 'textarea')] },
  APPROVE: { fields: [] },
  APPROVE_BUDGET: { fields: [f('approvedFen', 'yuan')] },
  INVITE: { fields: [f('vendorIds', 'checkboxes', { options: 'vendors' }), f('deadline', 'datetime')] },
  SUBMIT_QUOTE: { fields: [f('amountFen', 'yuan'), f('validUntil', 'date')], files: [{ name: 'attachments', target: 'attachments', optional: true }] },
  WITHDRAW_QUOTE: { fields: [], warning: true },
  AWARD: { fields: [f('vendorId', 'select', { options: 'awardVendors', blank: true }), f('amountFen', 'yuan'), f('justification', 'textarea')] },
  DECLARE_FAILED: { fields: reason, warning: true },
  SIGN_CONTRACT: {
    fields: [f('contractNo', 'text'), f('items', 'items'), f('amountFen', 'yuan'), f('dueOn', 'date')],
    files: [{ name: 'attachments', target: 'attachments', optional: true }],
  },
  CONFIRM_CONTRACT: { fields: [] },
  RECORD_DELIVERY: {
    fields: [
      f('itemId', 'select', { options: 'contractItems' }), f('quantity', 'int'), f('serials', 'lines', { optional: true }),
      f('beneficiaryRef', 'select', { options: 'beneficiaries', blank: true, optional: true }),
    ],
    files: [{ name: 'evidence', target: 'evidence' }],
  },
  CONFIRM_RECEIPT: { fields: [f('itemId', 'select', { options: 'contractItems' }), f('quantity', 'int'), f('serials', 'lines', { optional: true })] },
  DISPUTE_DELIVERY: {
    fields: [f('itemId', 'select', { options: 'contractItems' }), f('quantity', 'int'), f('serials', 'lines', { optional: true }), f('reason', 'textarea')],
    warning: true,
  },
  REQUEST_ACCEPTANCE: { fields: [] },
  RECORD_ACCEPTANCE: {
    // satisfaction from the residents' ratings, a paper survey (N of M), or entered as a percentage
    fields: [
      f('passed', 'checkbox'), f('satisfactionMethod', 'select', { options: 'satisfactionMethods', blank: true, optional: true }),
      f('satisfied', 'int', { optional: true }), f('surveyed', 'int', { optional: true }), f('satisfactionPct', 'number', { optional: true }),
      f('signatories', 'signatories'), f('defects', 'textarea', { optional: true }),
    ],
    files: [{ name: 'attachments', target: 'attachments', optional: true }],
  },
  RECTIFIED: { fields: [], files: [{ name: 'evidence', target: 'evidence' }] },
  RECORD_EVALUATION: { fields: [f('score', 'number'), f('grade', 'select', { options: 'grades', blank: true }), f('notes', 'textarea', { optional: true })] },
  RELEASE_RETENTION: { fields: [f('amountFen', 'yuan'), f('voucherNo', 'text')] },
  // a note may carry the project file's papers (an invoice, a fund statement …): the kind files them
  COMMENT: {
    fields: [f('text', 'textarea'), f('documentKind', 'select', { options: 'documentKinds', blank: true, optional: true })],
    files: [{ name: 'attachments', target: 'attachments', optional: true }],
    noComment: true,
  },
  RECORD_PAYMENT: { fields: [f('tranche', 'select', { options: 'tranches' }), f('amountFen', 'yuan'), f('voucherNo', 'text'), f('documentKind', 'select', { options: 'documentKinds', blank: true, optional: true })], files: [{ name: 'attachments', target: 'attachments', optional: true }] },
  CANCEL: { fields: reason, warning: true },
};

export const EVENT_FORMS: Record<string, FormSpec> = Object.fromEntries(Object.entries(EVENT_SPECS).map(([type, s]) => [type, projectForm(s)]));

export function formSpec(type: string): FormSpec | undefined {
  return Object.prototype.hasOwnProperty.call(EVENT_FORMS, type) ? EVENT_FORMS[type] : undefined;
}

/** The proposal form → the input of services.projects.create; a blank total is the items' sum. */
export function toNewProject(body: FormBody): ConvertResult {
  const { payload, errors } = toPayload(NEW_PROJECT_FORM, body);
  // the budget year's select posts its four digits; anything else goes on as typed, for the service to refuse
  if (typeof payload.budgetYear === 'string' && /^\d{4}$/.test(payload.budgetYear)) payload.budgetYear = Number(payload.budgetYear);
  const items = payload.items as Array<{ quantity?: number; unitFen?: number }> | undefined;
  if (payload.estimatedFen === undefined && !errors.estimatedFen && items?.length && items.every((i) => typeof i.quantity === 'number' && typeof i.unitFen === 'number')) {
    payload.estimatedFen = items.reduce((s, i) => s + i.quantity! * i.unitFen!, 0);
  }
  return { payload, errors };
}
