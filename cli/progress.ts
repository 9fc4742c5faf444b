/**
 * Progress on stderr: a bar redrawn in place on a terminal, a line per step otherwise (logs,
 * CI). Stdout stays for the answer, so `--json` output can be piped while progress shows.
 */
import type { Io } from './command.ts';

export interface Progress {
  update(done: number, total: number, suffix?: string): void;
  finish(): void;
}

const width = 30;

export function progress(io: Io, label: string): Progress {
  let drawn = false;
  return {
    update(done, total, suffix = '') {
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const text = `${label} ${done}/${total}${suffix ? ` ${suffix}` : ''}`;
      if (io.stderrIsTTY) {
        const filled = Math.round(fraction * width);
        io.stderr(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)
            .toString()
            .padStart(3)}% ${text}\x1b[K`,
        );
        drawn = true;
      } else {
        io.stderr(`${text}\n`);
      }
    },
    finish() {
      if (drawn) io.stderr('\n');
      drawn = false;
    },
  };
}
