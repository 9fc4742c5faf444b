import { loadConfig } from '#shared/config.ts';
import type { Deps } from '#shared/deps.ts';
import { buildDeps } from '#shared/runtime.ts';

let cached: Deps | undefined;

/** In Lambda: config read once from the environment, adapters built once per container. */
export function lambdaDeps(): Deps {
  cached ??= buildDeps(loadConfig(process.env));
  return cached;
}
