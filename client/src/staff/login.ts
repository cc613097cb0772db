// Staff sign-in: validates, posts to /api/auth/login, shows problems in a GOV.UK-style error summary.
import '../styles/base.css';
import '../styles/staff.css';
import { ApiError, fetchJson } from '../shared/api.ts';
import { byId, h } from '../shared/dom.ts';

type Field = 'email' | 'password';

const form = byId<HTMLFormElement>('login-form');
const button = byId<HTMLButtonElement>('sign-in');

/** Where to go after signing in: a staff path from ?next=, never another site. */
export function safeNext(raw: string | null): string {
  if (raw && /^\/staff\/[^/\\]?/.test(raw) && !raw.startsWith('//') && !raw.startsWith('/staff/login')) return raw;
  return '/staff/';
}

function clearErrors(): void {
  byId('error-summary').hidden = true;
  byId('error-list').replaceChildren();
  for (const field of ['email', 'password'] as Field[]) {
    byId(`${field}-field`).classList.remove('field-invalid');
    const input = byId<HTMLInputElement>(field);
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
    const error = byId(`${field}-error`);
    error.hidden = true;
    error.textContent = '';
  }
}

/** Shows the summary (focused, so it is read out) and each field's own message. */
function showErrors(errors: Array<{ field?: Field; message: string }>): void {
  const list = byId('error-list');
  for (const { field, message } of errors) {
    list.append(h('li', {}, field ? h('a', { href: `#${field}` }, message) : message));
    if (!field) continue;
    byId(`${field}-field`).classList.add('field-invalid');
    const input = byId<HTMLInputElement>(field);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', `${field}-error`);
    const error = byId(`${field}-error`);
    error.hidden = false;
    error.replaceChildren(h('span', { class: 'visually-hidden' }, 'Error: '), message);
  }
  const summary = byId('error-summary');
  summary.hidden = false;
  summary.focus();
  document.title = `Error: ${document.title.replace(/^Error: /, '')}`;
}

byId('error-list').addEventListener('click', (e) => {
  const link = (e.target as HTMLElement).closest('a');
  if (!link) return;
  e.preventDefault();
  document.getElementById(link.getAttribute('href')!.slice(1))?.focus();
});

form.addEventListener('submit', (e) => {
  e.preventDefault();
  void signIn();
});

async function signIn(): Promise<void> {
  clearErrors();
  const email = byId<HTMLInputElement>('email').value.trim();
  const password = byId<HTMLInputElement>('password').value;
  const problems: Array<{ field: Field; message: string }> = [];
  if (!email) problems.push({ field: 'email', message: 'Enter your email address' });
  else if (!/^[^\s@]+@[^\s@]+$/.test(email)) problems.push({ field: 'email', message: 'Enter an email address in the correct format, like name@example.org' });
  if (!password) problems.push({ field: 'password', message: 'Enter your password' });
  if (problems.length) {
    showErrors(problems);
    return;
  }
  button.disabled = true;
  button.textContent = 'Signing in…';
  try {
    await fetchJson('/api/auth/login', { method: 'POST', body: JSON.stringify({ email, password }) });
    location.assign(safeNext(new URLSearchParams(location.search).get('next')));
    return;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      showErrors([{ field: 'password', message: 'The email address or password is not right' }]);
    } else if (err instanceof ApiError && err.status === 429) {
      showErrors([{ message: 'Too many sign-in attempts. Wait a few minutes, then try again.' }]);
    } else if (err instanceof ApiError && err.fieldErrors.length) {
      showErrors(err.fieldErrors.map((f) => ({ field: f.field.endsWith('password') ? 'password' : 'email', message: f.message })));
    } else {
      showErrors([{ message: `Signing in did not work: ${(err as Error).message}. Try again.` }]);
    }
  }
  button.disabled = false;
  button.textContent = 'Sign in';
}
