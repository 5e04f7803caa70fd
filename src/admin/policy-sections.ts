// Schemas of the policy sections owned by other modules, handed to parsePolicyFile (CLI) and to the policy
// apply route, so a bad section is refused with file/line/path (CLI) or a path inside the plan (API) before
// anything is written. The policy module keeps those sections opaque; this is where they get their shape.
import type { z } from 'zod';
import { LimitsConfigSchema } from '../limits/limits-schema.js';
import { playbooksSchema } from '../enforcement/playbook-schema.js';

export interface PolicySectionSchemas {
  /** The top-level `limits:` section (rate limits and quotas). */
  limits: z.ZodType;
  /** The `playbooks:` section (enforcement playbooks, docs/enforcement.md). */
  playbooks?: z.ZodType;
}

export function policySectionSchemas(): PolicySectionSchemas {
  return { limits: LimitsConfigSchema, playbooks: playbooksSchema };
}
