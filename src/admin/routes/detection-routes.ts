// Why an org was or was not flagged, from the live detector (the same explanation `moat replay --explain`
// prints from a trace):
//   GET /admin/detection/orgs/:org/explain   viewer   every feature, score (with each signal's contribution) and
//                                                       rule condition of the org now, its labels and cluster
//   GET /admin/cases/:id/explain             viewer   the same for each org of a case (at most 25)
import { z } from 'zod';
import type { ExplainTimeline } from '../../detection/explain.js';
import { MoatError } from '../../errors/moat-error.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';

export interface DetectionInspector {
  /** Undefined when the org has sent no request the detector saw. */
  explain(org: string): Promise<ExplainTimeline | undefined>;
}

const MAX_CASE_ORGS = 25;

export function detectionRoutes(inspector: DetectionInspector | undefined, caseOrgs: (id: string) => Promise<string[] | undefined>): AdminRoute[] {
  const live = (): DetectionInspector => {
    if (!inspector) throw new MoatError('detection_unavailable', 'live detection does not run in this process');
    return inspector;
  };
  return [
    adminRoute({
      method: 'GET',
      url: '/detection/orgs/:org/explain',
      role: 'viewer',
      summary: "Explain the live detector's view of an org: features, scores and their contributions, rule conditions, cluster links.",
      params: z.object({ org: z.string().min(1).max(200) }),
      handler: async ({ params }) => {
        const e = await live().explain(params.org);
        if (!e) throw new MoatError('admin_not_found', `detection has seen no request from ${params.org}`);
        return { explain: e };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/cases/:id/explain',
      role: 'viewer',
      summary: "Explain the live detector's view of each org of a case.",
      params: z.object({ id: z.string().min(1) }),
      handler: async ({ params }) => {
        const orgs = await caseOrgs(params.id);
        if (!orgs) throw new MoatError('admin_not_found', `no case ${params.id}`);
        const d = live();
        const explain = (await Promise.all(orgs.slice(0, MAX_CASE_ORGS).map((o) => d.explain(o)))).filter((e): e is ExplainTimeline => !!e);
        return { case: params.id, orgs: orgs.length, explain };
      },
    }),
  ];
}
