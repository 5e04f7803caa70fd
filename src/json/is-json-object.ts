// The one test for "a JSON object" (not null, not an array) that request bodies, upstream answers and bus messages
// are read through before any field is touched.

/** Whether a parsed JSON value is an object with named members. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
