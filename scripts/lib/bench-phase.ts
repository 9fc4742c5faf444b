/**
 * One measured phase of `npm run bench:audit-export`, run as its own process so its peak RSS
 * is its own: `export` (the audit-export CLI code) or `verify` (the offline verifier). It loads
 * only what that phase needs and answers one JSON line on stdout.
 */
import { parseArgs } from 'node:util';
import type { ExportFormat } from '#shared/audit/manifest.ts';
import { readVerificationKey } from '#shared/audit/statements.ts';
import { describeResult, verifyExportFile } from '#shared/audit/verify.ts';
import { downloadExport } from '../../cli/export-download.ts';

/** Samples process.memoryUsage().rss every few milliseconds; stop() gives the peak. */
export function rssSampler(everyMs = 10) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), everyMs);
  return { stop: () => (clearInterval(timer), Math.max(peak, process.memoryUsage().rss)) };
}

async function phase(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phase: { type: 'string' },
      url: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      file: { type: 'string' },
      manifest: { type: 'string' },
      checkpoints: { type: 'string' },
      pem: { type: 'string' },
    },
  });
  const baselineRss = process.memoryUsage().rss;
  const rss = rssSampler();
  const started = performance.now();
  let answer: Record<string, unknown>;
  if (values.phase === 'export') {
    const result = await downloadExport({
      url: values.url!,
      apiKey: process.env.PEERGUARD_API_KEY!,
      from: values.from!,
      to: values.to!,
      format: values.format as ExportFormat,
      out: values.out!,
    });
    answer = {
      pages: result.pages,
      bytes: result.bytes,
      manifest: result.manifest,
      manifestPath: result.manifestPath,
      checkpointsPath: result.checkpointsPath,
    };
  } else {
    const result = await verifyExportFile(values.file!, {
      key: readVerificationKey(values.pem!),
      manifestPath: values.manifest,
      checkpointsPath: values.checkpoints,
    });
    answer = { ok: result.ok, entries: result.entries, verdict: describeResult(result, values.file!) };
  }
  process.stdout.write(`${JSON.stringify({ ...answer, ms: performance.now() - started, peakRss: rss.stop(), baselineRss })}\n`);
}

if (process.argv.includes('--phase')) {
  phase().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
