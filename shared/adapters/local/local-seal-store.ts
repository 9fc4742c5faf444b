import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SealStore } from '../../ports.ts';
import { sealName } from '../../audit/seal.ts';

/** Seals on a laptop: read-only files under `DATA_DIR/seals/` (the stand-in for S3 Object Lock), never replaced. */
export function buildLocalSealStore(dataDir: string): SealStore {
  return {
    put: async (seal) => {
      const file = join(dataDir, sealName(seal));
      await mkdir(dirname(file), { recursive: true });
      try {
        await writeFile(file, `${JSON.stringify(seal)}\n`, { mode: 0o400, flag: 'wx' });
      } catch (error) {
        // This head was sealed already today (no entry since): a seal is never replaced.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    },
  };
}
