// Links to orgs, cases and keys shown by name, with the id on hover (title) and in the link's data-id for
// copying. Any id the console prints goes through here, so nothing is a dead-end string.
import type { Org } from '../api/types.js';
import { href, Link } from '../hooks/use-route.js';

export function OrgLink({ id, orgs, name }: { id: string; orgs?: Map<string, Org>; name?: string }) {
  const org = orgs?.get(id);
  return (
    <Link href={href('orgs', id)} title={id} data-id={id}>
      {name ?? org?.name ?? id}
    </Link>
  );
}

export function CaseLink({ id, title }: { id: string; title?: string }) {
  return (
    <Link href={href('cases', id)} title={id} data-id={id}>
      {title ?? `case ${id.replace(/^case_/, '').slice(0, 8)}`}
    </Link>
  );
}

/** An id of any kind: orgs and cases link to their page, a key to its org's keys; other ids stay code. */
export function EntityRef({ id, orgs, owner }: { id: string; orgs?: Map<string, Org>; owner?: { id: string; name: string } }) {
  if (id.startsWith('org_')) return <OrgLink id={id} orgs={orgs} {...(owner?.id === id ? { name: owner.name } : {})} />;
  if (id.startsWith('case_')) return <CaseLink id={id} />;
  if (id.startsWith('key_') && owner)
    return (
      <Link href={href('orgs', owner.id) + '#keys'} title={id} data-id={id}>
        key of {owner.name}
      </Link>
    );
  return <code title={id}>{id}</code>;
}
