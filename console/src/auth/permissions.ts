// What each admin role may do in the console. The API enforces the same rules; the console only hides
// controls a role cannot use so nobody is offered a button that will be refused.
import type { AdminRole } from '../api/types.js';

export const canAnnotate = (role: AdminRole): boolean => role === 'analyst' || role === 'admin';
export const canAct = (role: AdminRole): boolean => role === 'admin';
