// Server-written sentences (timeline steps, link reasons) name orgs by id; readers want names.
import type { Org } from '../api/types.js';

export const nameIds = (text: string, orgs: Map<string, Org>): string => text.replace(/\borg_[a-z0-9]+/g, (id) => orgs.get(id)?.name ?? id);
