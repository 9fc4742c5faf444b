import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { AuditArchive } from '../../ports.ts';

/** The folder of the audit table's write-once copy under the local data folder. */
export const localAuditCopyDir = (dataDir: string): string => join(dataDir, 'audit-copy');

/**
 * The audit table's write-once copy on a laptop: read-only files (mode 0400, created with `wx`,
 * so never replaced) under `DATA_DIR/audit-copy/`, the stand-in for S3 Object Lock.
 */
export function buildLocalAuditArchive(dataDir: string): AuditArchive {
  const root = resolve(localAuditCopyDir(dataDir));
  const fileOf = (name: string) => {
    const file = resolve(root, name);
    if (!file.startsWith(root + sep)) throw new Error(`archive name ${name} leaves the archive folder`);
    return file;
  };
  return {
    put: async (name, body) => {
      const file = fileOf(name);
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      try {
        await writeFile(file, body, { mode: 0o400, flag: 'wx' });
        return 'written';
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
        throw error;
      }
    },
    has: async (name) => {
      try {
        await access(fileOf(name));
        return true;
      } catch {
        return false;
      }
    },
  };
}
