import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SealStore } from '../../ports.ts';
import { checkpointObjectName, sealName } from '../../audit/seal.ts';

/** Seals on a laptop: read-only files under `DATA_DIR/seals/` (the stand-in for S3 Object Lock), never replaced. */
export function buildLocalSealStore(dataDir: string): SealStore {
  const write = async (name: string, value: object) => {
    const file = join(dataDir, name);
    await mkdir(dirname(file), { recursive: true });
    try {
      await writeFile(file, `${JSON.stringify(value)}\n`, { mode: 0o400, flag: 'wx' });
    } catch (error) {
      // This head was sealed already today (no entry since), or this checkpoint written: never replaced.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  };
  return {
    put: (seal) => write(sealName(seal), seal),
    putCheckpoint: (checkpoint) => write(checkpointObjectName(checkpoint), checkpoint),
  };
}
