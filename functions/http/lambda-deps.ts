import { ConfigError, loadConfig } from '#shared/config.ts';
import type { Deps } from '#shared/deps.ts';
import { buildAwsDeps } from '#shared/runtime-aws.ts';

let cached: Deps | undefined;

/** In Lambda: config read once from the environment, AWS adapters built once per container. */
export function lambdaDeps(): Deps {
  if (cached) return cached;
  const config = loadConfig(process.env);
  if (config.PEERGUARD_RUNTIME !== 'aws') throw new ConfigError('A Lambda function runs with PEERGUARD_RUNTIME=aws (or unset).');
  cached = buildAwsDeps(config);
  return cached;
}
