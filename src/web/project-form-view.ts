// The project forms' view-models: the one form view (forms/form-view.ts) with the project forms'
// words. Only the error summary needs to know them here: a failed form's summary lines name their
// field by the project labels (`projects.fields.*`, items rows) whichever project form failed.
import { EVENT_FORMS, NEW_PROJECT_FORM, type FieldSpec, type FormSpec } from './project-forms.js';
import { errorState as formErrorState, type ErrorState } from './forms/form-view.js';

export { anchorsOf, formFields, reasonText } from './forms/form-view.js';
export type { ErrorState, FieldView, FormViewInput, Option, Options, Values } from './forms/form-view.js';

const everyField = new Map<string, FieldSpec>();
for (const spec of [NEW_PROJECT_FORM, ...Object.values(EVENT_FORMS)]) for (const f of spec.fields) if (!everyField.has(f.name)) everyField.set(f.name, f);
/** Every project field, so that a summary names the field of any project form. */
const PROJECT_FIELDS: FormSpec = { ...NEW_PROJECT_FORM, fields: [...everyField.values()] };

/**
 * A service error as a project form's error state: field messages and a summary whose entries
 * name their field and link to it on the page. Undefined for errors that are not the user's to fix.
 */
export function errorState(lang: Parameters<typeof formErrorState>[0], err: unknown, anchors: Map<string, string> = new Map(), omit: string[] = []): ErrorState | undefined {
  return formErrorState(lang, err, { form: PROJECT_FIELDS, anchors, omit });
}
