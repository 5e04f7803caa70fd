// The shell: login gate, navigation, and the page for the current route. Focus moves to the page heading
// on navigation so keyboard and screen-reader users land on the new content.
import { useEffect, useMemo, useRef, useState } from 'react';
import { makeApi } from './api/client.js';
import type { Whoami } from './api/types.js';
import { LoginPage } from './auth/login-page.js';
import { clearToken, loadToken, saveToken } from './auth/session.js';
import { SessionContext, useSession, type Session } from './auth/session-context.js';
import { useApi } from './hooks/use-api.js';
import { href, Link, useRoute, type Route } from './hooks/use-route.js';
import { useLiveUpdates } from './hooks/use-live-updates.js';
import { AuditPage } from './pages/audit/audit-page.js';
import { CasePage } from './pages/cases/case-page.js';
import { CaseQueuePage } from './pages/cases/case-queue-page.js';
import { OrgDetailPage } from './pages/org/org-detail-page.js';
import { OrgsPage } from './pages/orgs-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { PolicyPage } from './pages/policy-page.js';
import { RequestsPage } from './pages/requests/requests-page.js';

export function App() {
  const [token, setToken] = useState(loadToken);
  const [me, setMe] = useState<Whoami | null>(null);
  const logout = () => {
    clearToken();
    setToken(null);
    setMe(null);
  };
  const api = useMemo(() => (token ? makeApi(token, logout) : null), [token]);
  if (!token || !api) {
    return (
      <LoginPage
        onLogin={(t, who) => {
          saveToken(t);
          setMe(who);
          setToken(t);
        }}
      />
    );
  }
  return <Restore api={api} me={me} setMe={setMe} logout={logout} />;
}

/** After a reload the token is in sessionStorage but the role is not: ask the API again. */
function Restore({ api, me, setMe, logout }: { api: Session['api']; me: Whoami | null; setMe: (w: Whoami) => void; logout: () => void }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (me) return;
    api<Whoami>('/admin/whoami').then(setMe, (e: Error) => setError(e.message));
  }, [api, me, setMe]);
  if (!me)
    return error ? (
      <main className="state error" role="alert">
        Could not restore the session: {error}{' '}
        <button type="button" onClick={logout}>
          Sign in again
        </button>
      </main>
    ) : (
      <p className="state loading" role="status">
        Loading…
      </p>
    );
  return (
    <SessionContext.Provider value={{ api, me, logout }}>
      <Shell />
    </SessionContext.Provider>
  );
}

const NAV: { path: string; label: string }[] = [
  { path: '', label: 'Overview' },
  { path: 'cases', label: 'Cases' },
  { path: 'orgs', label: 'Organizations' },
  { path: 'requests', label: 'Requests' },
  { path: 'policy', label: 'Policy' },
  { path: 'audit', label: 'Audit' },
];

function Shell() {
  useLiveUpdates();
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const key = route.parts.join('/') + '?' + route.query.toString();
  const section = route.parts[0] ?? '';
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const target = main.current?.querySelector<HTMLElement>('h1') ?? main.current;
    if (target) {
      target.tabIndex = -1;
      target.focus();
    }
  }, [route.parts.join('/')]);
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Moat console</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.path}>
                <Link href={n.path ? href(n.path) : '/console/'} aria-current={section === n.path ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <Who />
      </header>
      <main id="main" ref={main} key={key}>
        <Page route={route} />
      </main>
    </>
  );
}

function Who() {
  const { me, logout } = useSession();
  const cases = useApi<{ cases: unknown[] }>('/admin/cases?status=open');
  return (
    <div className="who">
      {cases.kind === 'ok' && (
        <Link href={href('cases')} className="open-count" aria-label={`${cases.data.cases.length} open cases`}>
          {cases.data.cases.length} open
        </Link>
      )}
      <span>
        {me.name} <span className="role">({me.role})</span>
      </span>
      <button type="button" onClick={logout}>
        Sign out
      </button>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  const [a, b] = route.parts;
  switch (a) {
    case undefined:
      return <OverviewPage />;
    case 'cases':
      return b ? <CasePage caseId={b} /> : <CaseQueuePage status={route.query.get('status') ?? 'open'} severity={route.query.get('severity') ?? ''} />;
    case 'orgs':
      return b ? <OrgDetailPage orgId={b} /> : <OrgsPage />;
    case 'policy':
      return <PolicyPage />;
    case 'audit':
      return <AuditPage query={route.query} />;
    case 'requests':
      return <RequestsPage query={route.query} />;
    default:
      return (
        <section>
          <h1 id="page-title">Not found</h1>
          <p>
            No console page at this address. <Link href="/console/">Go to the overview</Link>.
          </p>
        </section>
      );
  }
}
