// GET /admin/enforcement/activity: enforcement actions by kind, per hour or day, from the audit log.
import type { AdminResponse } from './types.js';

export type ActivityRow = AdminResponse<'GET /enforcement/activity'>['activity'][number];

export const ACTIVITY_COLOR: Record<string, string> = {
  restrict: '#c2410c',
  suspend: '#a16207',
  revoke: '#7f1d1d',
  throttle: '#0e7490',
  notify: '#4b5563',
  lift: '#15803d',
  reinstate: '#15803d',
  'key.disable': '#be185d',
  'key.enable': '#65a30d',
  'key.delete': '#1f2937',
};
