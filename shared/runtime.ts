import type { Config } from './config.ts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Deps } from './deps.ts';
import { buildAwsDeps } from './runtime-aws.ts';
import { buildLocalDeps } from './runtime-local.ts';

export { settingsFrom } from './runtime-common.ts';

/**
 * Builds every adapter for the side the config names, for callers that may run either side
 * (the local server, scripts, tests). Tests pass `overrides` (a fixed clock, a failing
 * notifier) to the same wiring; `documents` lets the benchmark hand in the document client it
 * instruments (to count DynamoDB requests). Lambda code imports runtime-aws.ts directly instead,
 * so its bundles never carry the local adapters.
 */
export function buildDeps(config: Config, overrides: Partial<Deps> = {}, documents?: DynamoDBDocumentClient): Deps {
  return config.PEERGUARD_RUNTIME === 'local' ? buildLocalDeps(config, overrides, documents) : buildAwsDeps(config, overrides, documents);
}
