// New empty embedded databases for tests without running initdb each time (it takes seconds, dozens of times in the
// suite): `npm test` creates one before the runner starts (make-pgdata-template.ts, named by
// MOAT_TEST_PGDATA_TEMPLATE); a test file run on its own creates one for its process. Creation itself stays tested by
// test/store/pglite-folder.test.ts and by every `moat start` the suite spawns.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteDriver } from '../../src/store/pglite-driver.js';

export const TEMPLATE_ENV = 'MOAT_TEST_PGDATA_TEMPLATE';

/** Creates the template in `root`: a data folder (`pgdata`) and its dump (`pgdata.tar.gz`). */
export async function makePgdataTemplate(root: string): Promise<void> {
  const driver = await PgliteDriver.open(join(root, 'pgdata'));
  try {
    writeFileSync(join(root, 'pgdata.tar.gz'), Buffer.from(await (await driver.dump()).arrayBuffer()));
  } finally {
    await driver.close();
  }
}

let template: Promise<string> | undefined;
function templateRoot(): Promise<string> {
  template ??= (async () => {
    const given = process.env[TEMPLATE_ENV];
    if (given && existsSync(join(given, 'pgdata.tar.gz'))) return given;
    const root = mkdtempSync(join(tmpdir(), 'moat-pgdata-template-'));
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    await makePgdataTemplate(root);
    return root;
  })();
  return template;
}

/** A new empty database's folder, to copy into a test gateway's data folder. */
export async function templatePgdata(): Promise<string> {
  return join(await templateRoot(), 'pgdata');
}

/** A new empty database in memory, opened from the template's dump. */
export async function openEmptyPglite(): Promise<PgliteDriver> {
  const dump = readFileSync(join(await templateRoot(), 'pgdata.tar.gz'));
  return PgliteDriver.open(undefined, { loadDataDir: new Blob([dump]) });
}
