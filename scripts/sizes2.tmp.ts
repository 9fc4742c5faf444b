import { build } from 'esbuild';
import { join } from 'node:path';
import { bundling, repoRoot } from '#infra/peerguard-function.ts';
const file = process.argv[2]!;
const r = await build({ absWorkingDir: repoRoot, entryPoints: [join(repoRoot, 'functions', file)], bundle: true, platform: 'node', write: false, outfile: '/tmp/x/index.mjs', metafile: true, logLevel: 'silent', format: bundling.format, minify: bundling.minify, target: bundling.target, mainFields: bundling.mainFields, external: bundling.externalModules, banner: { js: bundling.banner! } });
const inputs = Object.values(r.metafile.outputs).find((o) => o.entryPoint)!.inputs;
const groups = new Map<string, number>();
for (const [p, i] of Object.entries(inputs)) { const k = p.replace(/node_modules\/((@[^/]+\/)?[^/]+)\/.*/, '$1').replace(/^(shared|functions)\/.*/, '$1'); groups.set(k, (groups.get(k) ?? 0) + i.bytesInOutput); }
console.log([...groups].sort((a, b) => b[1] - a[1]).slice(0, 12));
const zodFiles = Object.entries(inputs).filter(([p]) => p.includes('zod')).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput).slice(0,12).map(([p,i])=>p.split('zod/')[1]+':'+i.bytesInOutput);
console.log(zodFiles.join(' '));
