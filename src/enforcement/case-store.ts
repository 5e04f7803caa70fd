// Where cases live. One interface, an in-memory implementation (tests, replay tools) and a SQL one over
// SqlDriver (PGlite embedded, PostgreSQL scale-out), both held to one contract suite. Saves are optimistic
// (version check) so two detection workers or an admin and a worker cannot overwrite each other, and a
// case's audit entries are written with it.
import type { Case, CaseStatus, Severity } from './case-model.js';
import type { AuditAppender, AuditRecord } from './enforcement-target.js';
import { DomainError } from '../errors/domain-error.js';

export interface CaseQuery {
  /** Default: every status. */
  status?: CaseStatus;
  severity?: Severity;
  orgId?: string;
  /** Cases holding any of these orgs. */
  anyOrg?: readonly string[];
  kind?: 'org' | 'cluster';
  /** Every status but this one. */
  excludeStatus?: CaseStatus;
  limit?: number;
}

/** A case write lost a race: the case already exists (`conflict`) or changed since it was read (`stale_version`). */
export class CaseConflictError extends DomainError {
  constructor(code: 'conflict' | 'stale_version', message: string) {
    super(code, message);
    this.name = 'CaseConflictError';
  }
}

export interface CaseStore {
  get(id: string): Promise<Case | undefined>;
  /** The case of an org (`org:<id>`) or cluster (`cluster:<id>`). */
  getByKey(key: string): Promise<Case | undefined>;
  /** Most recently updated first. */
  list(q?: CaseQuery): Promise<Case[]>;
  /**
   * Inserts a new case (version 0) or replaces the stored one whose version equals `c.version`, together with
   * its audit entries; returns the case as stored (version + 1). CaseConflictError when someone saved first
   * or a case already exists for the key.
   */
  save(c: Case, audit: readonly AuditRecord[]): Promise<Case>;
  /** Several saves as one: all are written or, on the first CaseConflictError, none. */
  saveAll(items: ReadonlyArray<{ case: Case; audit: readonly AuditRecord[] }>): Promise<Case[]>;
}

export class MemoryCaseStore implements CaseStore {
  private readonly byId = new Map<string, Case>();
  constructor(private readonly audit?: AuditAppender) {}

  async get(id: string): Promise<Case | undefined> {
    const c = this.byId.get(id);
    return c && structuredClone(c);
  }

  async getByKey(key: string): Promise<Case | undefined> {
    for (const c of this.byId.values()) if (c.key === key) return structuredClone(c);
    return undefined;
  }

  async list(q: CaseQuery = {}): Promise<Case[]> {
    return [...this.byId.values()]
      .filter(
        (c) =>
          (!q.status || c.status === q.status) &&
          (!q.severity || c.severity === q.severity) &&
          (!q.orgId || c.orgIds.includes(q.orgId)) &&
          (!q.anyOrg || c.orgIds.some((o) => q.anyOrg!.includes(o))) &&
          (!q.kind || c.kind === q.kind) &&
          (!q.excludeStatus || c.status !== q.excludeStatus),
      )
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id))
      .slice(0, q.limit ?? 500)
      .map((c) => structuredClone(c));
  }

  async save(c: Case, audit: readonly AuditRecord[]): Promise<Case> {
    return (await this.saveAll([{ case: c, audit }]))[0]!;
  }

  async saveAll(items: ReadonlyArray<{ case: Case; audit: readonly AuditRecord[] }>): Promise<Case[]> {
    // Every check before any write, so a conflict leaves the store as it was.
    const next = new Map(this.byId);
    const out: Case[] = [];
    for (const { case: c } of items) {
      const cur = next.get(c.id);
      if (c.version !== 0 && (!cur || cur.version !== c.version)) throw new CaseConflictError('stale_version', `case ${c.id} changed since it was read`);
      if ((c.version === 0 && cur) || [...next.values()].some((x) => x.key === c.key && x.id !== c.id)) throw new CaseConflictError('conflict', `a case for ${c.key} already exists`);
      const saved = { ...structuredClone(c), version: c.version + 1 };
      next.set(c.id, saved);
      out.push(saved);
    }
    for (const [id, c] of next) this.byId.set(id, c);
    for (const { audit } of items) for (const a of audit) await this.audit?.append(a);
    return out.map((c) => structuredClone(c));
  }
}
