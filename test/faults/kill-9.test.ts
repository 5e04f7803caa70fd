// kill -9 of a gateway on the embedded store: what was committed is there after the restart (no false alarm
// from the store's identity check, the dead process's lock is taken over), and metering loses at most what
// had not been flushed yet: usage flushed before the kill is intact, and nothing is counted twice.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayProcess } from '../propagation/gateway-processes.js';
import { adminCall } from '../support/admin-call.js';
import { ADMIN_TOKEN, ask, closeSharedDemo, eventually, orgWithKey, startFaultGateway } from './fault-gateway.js';

after(closeSharedDemo);

const usageOf = async (url: string, orgId: string): Promise<number> =>
  ((await adminCall(url, ADMIN_TOKEN, 'GET', `/admin/usage?org=${orgId}`)).json.usage as Array<{ requests: number }>).reduce((n, r) => n + r.requests, 0);

test('[faults] kill -9 on the embedded store: committed state and flushed usage survive; the restart is clean', { timeout: 90_000 }, async () => {
  const p = await startGatewayProcess('kill9', {
    adminToken: ADMIN_TOKEN,
    server: { host: '127.0.0.1', port: 0 },
    demoUpstream: { models: ['gpt-4o'] },
    detection: { enabled: false },
    metering: { flushMs: 500 },
    log: { level: 'silent' },
  });
  const dataDir = p.dataDir;
  try {
    const org = await orgWithKey(p, 'survivor');
    for (let i = 0; i < 20; i++) assert.equal((await ask(p.url, org.secret)).status, 200);
    await eventually(async () => (await usageOf(p.url, org.orgId)) === 20, 10_000, 'the first 20 requests flushed');
    for (let i = 0; i < 20; i++) assert.equal((await ask(p.url, org.secret)).status, 200);
    const exited = new Promise((r) => p.child.once('exit', r));
    p.child.kill('SIGKILL');
    await exited;

    const g = await startFaultGateway({}, { dataDir });
    try {
      const kept = await usageOf(g.url, org.orgId);
      assert.ok(kept >= 20 && kept <= 40, `flushed usage kept, nothing doubled: ${kept} of 40 requests recorded`);
      console.log(`# kill-9 ${JSON.stringify({ requests: 40, recorded: kept, lost: 40 - kept, flushMs: 500 })}`);
      assert.equal((await ask(g.url, org.secret)).status, 200, 'the key committed before the kill works');
    } finally {
      await g.close();
    }
  } finally {
    await p.stop();
  }
});
