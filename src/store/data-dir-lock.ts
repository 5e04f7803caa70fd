// One process at a time per embedded store: PGlite has no lock of its own, and two processes writing one
// data folder corrupt it. The lock file holds the owner's pid; a lock whose process is gone is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../errors/domain-error.js';

export const LOCK_FILE = 'store.lock';

export class DataDirLockedError extends DomainError {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super('data_dir_locked', `the data folder ${dataDir} is in use by process ${pid} (a running \`moat start\`?); stop it first, or use another data folder`);
    this.name = 'DataDirLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let held = true;
      return {
        release() {
          if (!held) return;
          held = false;
          rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new DataDirLockedError(dataDir, pid);
      rmSync(path, { force: true }); // left by a process that died (kill -9): take it over
    }
  }
  throw new Error(`could not lock the data folder ${dataDir}`);
}
