// Glue for the live driver (the gateway's event consumer): control-plane objects become `org` trace lines, so
// the live path feeds the detector exactly what a replayed trace would (detector.ingestOrg / ingestRequest).
export { orgToTraceLine } from '../events/org-trace-line.js';
