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
      .filter((c) => (!q.status || c.status === q.status) && (!q.severity || c.severity === q.severity) && (!q.orgId || c.orgIds.includes(q.orgId)))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id))
      .slice(0, q.limit ?? 500)
      .map((c) => structuredClone(c));
  }

  async save(c: Case, audit: readonly AuditRecord[]): Promise<Case> {
    const cur = this.byId.get(c.id);
    if (c.version === 0) {
      if (cur || [...this.byId.values()].some((x) => x.key === c.key)) throw new CaseConflictError('conflict', `a case for ${c.key} already exists`);
    } else if (!cur || cur.version !== c.version) throw new CaseConflictError('stale_version', `case ${c.id} changed since it was read`);
    const saved = { ...structuredClone(c), version: c.version + 1 };
    this.byId.set(c.id, saved);
    for (const a of audit) await this.audit?.append(a);
    return structuredClone(saved);
  }
}
