import { PGlite } from '@electric-sql/pglite';
const dir = process.argv[2];
try {
const db = new PGlite(dir);
await db.waitReady;
try { console.log((await db.query("select count(*)::int n from orgs")).rows) } catch (e) { console.log('query err', e.message) }
console.log((await db.query("select system_identifier::text from pg_control_system()")).rows)
await db.close();
} catch (e) { console.log('OPEN ERR', e?.constructor?.name, e?.message) }
