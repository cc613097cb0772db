// The staff pages' shared frame: who is signed in, sign out, the section navigation, the CSRF token.
import { ApiError, fetchJson } from '../shared/api.ts';
import { byId, h } from '../shared/dom.ts';
import { roleLabel, sectionHref, sectionsFor, STAFF_SECTIONS } from './nav.ts';

export interface Me {
  user: { id: number | string; email: string; roles: string[]; displayName?: string | null };
  csrfToken: string;
}

function goToLogin(): void {
  const next = `${location.pathname}${location.search}${location.hash}`;
  location.replace(`/staff/login?next=${encodeURIComponent(next)}`);
}

/** Headers for a state-changing staff request: the session cookie goes by itself, the CSRF token does not. */
export function csrfHeaders(me: Me): Record<string, string> {
  return { 'X-CSRF-Token': me.csrfToken };
}

async function signOut(me: Me): Promise<void> {
  const button = byId<HTMLButtonElement>('sign-out');
  button.disabled = true;
  try {
    await fetchJson('/api/auth/logout', { method: 'POST', headers: csrfHeaders(me) });
  } catch (err) {
    // Already signed out (401) is fine; anything else is worth a message.
    if (!(err instanceof ApiError && err.status === 401)) {
      button.disabled = false;
      byId('content').prepend(h('p', { class: 'error-text', role: 'alert' }, `Signing out did not work: ${(err as Error).message}`));
      return;
    }
  }
  location.replace('/staff/login');
}

/** Fills the top bar (user, roles, sign out) and the navigation with `current` marked. */
export function fillChrome(me: Me, current: string, fromShell: boolean): void {
  byId('user-email').textContent = me.user.displayName ? `${me.user.displayName} (${me.user.email})` : me.user.email;
  byId('user-roles').replaceChildren(...me.user.roles.map((r) => h('span', { class: 'role-chip' }, roleLabel(r))));
  byId('staff-user').hidden = false;
  byId('sign-out').addEventListener('click', () => void signOut(me));
  byId('staff-nav-list').replaceChildren(
    ...sectionsFor(me.user.roles).map((s) =>
      h(
        'li',
        {},
        h(
          'a',
          { href: sectionHref(s, fromShell), 'data-section': s.id, ...(s.id === current ? { 'aria-current': 'page' } : {}) },
          s.title,
          s.id !== 'overview' && !s.inShell && !s.href ? h('span', { class: 'nav-soon' }, 'later release') : null,
        ),
      ),
    ),
  );
}

/**
 * The signed-in staff member; undefined after sending a visitor who is not signed in to the sign-in
 * page, or after saying in the page why the staff area could not be loaded.
 */
export async function signedInUser(): Promise<Me | undefined> {
  try {
    return await fetchJson<Me>('/api/auth/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) goToLogin();
    else byId('content').replaceChildren(h('h1', {}, 'Staff area'), h('p', { class: 'error-text', role: 'alert' }, `The staff area could not be loaded: ${(err as Error).message}`));
    return undefined;
  }
}

/**
 * Starts a staff page of its own: signs the visitor in (or sends them to the sign-in page), fills
 * the frame, and checks the role. Resolves with the user, or undefined when the page cannot be used.
 */
export async function startStaffPage(sectionId: string): Promise<Me | undefined> {
  const me = await signedInUser();
  if (!me) return undefined;
  fillChrome(me, sectionId, false);
  const section = STAFF_SECTIONS.find((s) => s.id === sectionId);
  if (section?.roles && !section.roles.some((r) => me.user.roles.includes(r))) {
    byId('content').replaceChildren(
      h('h1', {}, section.title),
      h('p', { class: 'error-text', role: 'alert' }, `Your role cannot use this page. It is for: ${section.roles.map(roleLabel).join(', ')}.`),
    );
    return undefined;
  }
  return me;
}
