/**
 * The shapes a secret takes on its way out: a log masker or a redactor that knows only the plain value misses the
 * others. One place lists them, for the pipeline agent's masker (setSecret), the run summary and the command-line
 * tool, so each code path that forms a new encoding adds it here once.
 */

import { cell } from './report/summary';

/** The masker and redactors skip shorter strings: they would match by chance and protect nothing. */
export const MIN_MASKED_LENGTH = 4;

/**
 * Every form of `value` worth masking. A multi-line value (a PEM) is taken one line at a time, since the agent masks
 * line by line, and its BEGIN/END lines are public.
 */
export function secretForms(value: string): string[] {
  const forms = new Set<string>();
  const add = (form: string) => {
    if (form.length >= MIN_MASKED_LENGTH) forms.add(form);
  };
  const lines = value.split(/\r?\n/);
  // A PEM's lines are base64 fragments already: nothing encodes a fragment again, and each form is one more mask.
  const whole = lines.filter((l) => l.trim().length > 0).length === 1;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.length < MIN_MASKED_LENGTH || /^-----(BEGIN|END) /.test(line)) continue;
    add(line);
    // Query strings and our own encoders.
    add(encodeURIComponent(line));
    // application/x-www-form-urlencoded bodies (the token request): space as '+', and '*' and friends kept.
    add(new URLSearchParams({ v: line }).toString().slice(2));
    // URL user info, as WHATWG URL encodes it (`&$+,` stay, `@:/;=` do not): a proxy URL built with credentials.
    add(userInfoForm(line));
    // Inside a JSON string (a service's error body, a serialised object).
    add(JSON.stringify(line).slice(1, -1));
    // In a cell of the run summary, which escapes `&<>|` before the summary is written.
    add(cell(line));
    if (whole) {
      add(Buffer.from(line, 'utf8').toString('base64'));
      add(Buffer.from(line, 'utf8').toString('base64url'));
    }
  }
  return [...forms];
}

/** The forms of a user name and password sent as Basic authentication (`Proxy-Authorization: Basic …`). */
export function basicAuthForms(username: string, password: string): string[] {
  const pair = `${username}:${password}`;
  return [...new Set([Buffer.from(pair, 'utf8').toString('base64'), ...secretForms(password)])];
}

function userInfoForm(value: string): string {
  const url = new URL('http://host');
  url.password = value;
  return url.password;
}

/** `text` with every occurrence of any of `forms` replaced by `mask`, the longest first so none is left half-masked. */
export function redact(text: string, forms: Iterable<string>, mask = '***'): string {
  let out = text;
  for (const form of [...new Set(forms)].sort((a, b) => b.length - a.length)) {
    if (form.length >= MIN_MASKED_LENGTH && out.includes(form)) out = out.split(form).join(mask);
  }
  return out;
}
