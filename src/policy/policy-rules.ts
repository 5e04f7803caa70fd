// Policy rules beyond per-org state: feature definitions, feature denials, tiers, clauses, playbooks.
// Stored as one versioned document and carried in the PolicySnapshot. (Owned by the policy module.)

export interface PolicyRules {
  /** Document version (increments on each apply). */
  version: number;
}

export function emptyPolicyRules(): PolicyRules {
  return { version: 0 };
}
