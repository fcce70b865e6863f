// One form model: an administration form, the log-in form and a project form are specs of the same
// model, turned into view-models by the same function and drawn by the same partials; their
// markup has the same shape (label bound to the input, hint and error in aria-describedby,
// aria-invalid, a summary line linking to the field). And there is one partial of each.
import fs from 'node:fs';
import path from 'node:path';
import { create } from 'express-handlebars';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidError } from '../../src/errors.js';
import { USER_FORM, userOptions } from '../../src/web/admin-view.js';
import { LOGIN_FORM } from '../../src/web/routes/auth.js';
import { NEW_PROJECT_FORM, toPayload } from '../../src/web/project-forms.js';
import { formView } from '../../src/web/forms/form-view.js';
import { helpers, TEMPLATES_DIR } from '../../src/web/views.js';

type Render = (ctx: Record<string, unknown>) => string;
let render: Render;

beforeAll(async () => {
  const hbs = create({ extname: '.hbs', partialsDir: path.join(TEMPLATES_DIR, 'partials'), helpers });
  const partials = (await hbs.getPartials()) as Record<string, unknown>;
  const tpl = hbs.handlebars.compile('{{> error-summary}}{{#each fields}}{{> field}}{{/each}}', {});
  render = (ctx) => tpl(ctx, { partials: partials as never, helpers });
});

/** What the markup says about one field, by its id. */
function shape(html: string, id: string) {
  const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const control = new RegExp(`<(input|select|textarea) id="${esc}"[^>]*>`).exec(html)?.[0] ?? '';
  return {
    labelBound: html.includes(`<label for="${id}">`),
    invalid: control.includes('aria-invalid="true"'),
    describedByError: new RegExp(`aria-describedby="[^"]*\\b${esc}-error\\b`).test(control),
    errorMessage: new RegExp(`<p class="error-message" id="${esc}-error"><span class="visually-hidden">[^<]+</span>[^<]+</p>`).test(html),
    summaryLink: html.includes(`<a href="#${id}">`),
    oneSummary: (html.match(/class="error-summary"/g) ?? []).length === 1,
  };
}

const ALL_TRUE = { labelBound: true, invalid: true, describedByError: true, errorMessage: true, summaryLink: true, oneSummary: true };

describe('one form model', () => {
  const ref = { streets: [], communities: [], vendors: [] };

  it('when an admin form and a project form come back with a field error, then the same view and partials give them the same markup shape', () => {
    const admin = formView({ lang: 'zh-CN', form: USER_FORM, values: { email: 'x' }, options: userOptions('zh-CN', ref), err: new InvalidError('bad', { fields: { email: 'validation.email' } }) });
    const project = formView({ lang: 'zh-CN', form: NEW_PROJECT_FORM, values: {}, err: new InvalidError('bad', { fields: { title: 'validation.required' } }) });
    const a = render({ lang: 'zh-CN', ...admin });
    const p = render({ lang: 'zh-CN', ...project });
    expect(shape(a, 'f-email')).toEqual(ALL_TRUE);
    expect(shape(p, 'f-title')).toEqual(ALL_TRUE);
    // labels come from each spec's own namespace; the project summary names its field (GOV.UK)
    expect(a).toContain('<label for="f-email">电子邮箱</label>');
    expect(p).toMatch(/<a href="#f-title">项目名称：[^<]+<\/a>/);
    // a field with a hint says so to assistive technology, in both
    expect(a).toMatch(/<select id="f-communityId" name="communityId" aria-describedby="f-communityId-hint">/);
    expect(p).toMatch(/aria-describedby="f-estimatedFen-hint"/);
  });

  it('when the log-in form fails, then its message sits on the e-mail field and the summary links to it', () => {
    const v = formView({ lang: 'en', form: LOGIN_FORM, values: { email: 'a@b.c' }, err: new InvalidError('failed', { fields: { email: 'login.failed' } }) });
    const html = render({ lang: 'en', ...v });
    expect(shape(html, 'f-email')).toEqual(ALL_TRUE);
    expect(html).toMatch(/<input id="f-password" name="password" type="password" value="" autocomplete="current-password" required>/);
  });

  it('when a message is not one of our keys, then the field says "invalid" rather than a library default', () => {
    const v = formView({ lang: 'en', form: USER_FORM, options: userOptions('en', ref), err: new InvalidError('bad', { fields: { name: 'Too small: expected string to have >=1 characters' } }) });
    expect(v.errors?.fields.name).not.toMatch(/Too small/);
  });

  it('when items rows come back, then the conversion and the view number them alike and the summary links to the cell', () => {
    const body = { 'items.0.name': '', 'items.0.quantity': '', 'items.0.unitFen': '', 'items.1.name': '扶手', 'items.1.quantity': '2', 'items.1.unitFen': 'abc' };
    const { errors } = toPayload(NEW_PROJECT_FORM, body);
    expect(errors).toEqual({ 'items.0.unitFen': 'validation.yuan' });
    const html = render({ lang: 'zh-CN', ...formView({ lang: 'zh-CN', form: NEW_PROJECT_FORM, values: body, err: new InvalidError('bad', { fields: errors }) }) });
    expect(html).toContain('<a href="#f-items.0.unitFen">');
    expect(html).toMatch(/<input id="f-items\.0\.unitFen" name="items\.0\.unitFen" type="text" value="abc" inputmode="decimal" aria-invalid="true" aria-describedby="f-items\.0\.unitFen-error">/);
  });

  it('when the templates are listed, then there is one field partial and one error summary, and no page draws its own', () => {
    const partials = fs.readdirSync(path.join(TEMPLATES_DIR, 'partials'));
    expect(partials.filter((f) => /^(field|error-summary|project-(field|errors|file))/.test(f)).sort()).toEqual(['error-summary.hbs', 'field.hbs']);
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const drawing = (needle: string) => files(TEMPLATES_DIR).filter((f) => fs.readFileSync(f, 'utf8').includes(needle)).map((f) => path.relative(TEMPLATES_DIR, f));
    expect(drawing('class="error-summary"')).toEqual([path.join('partials', 'error-summary.hbs')]);
    expect(drawing('class="error-message"')).toEqual([path.join('partials', 'field.hbs')]);
  });
});
