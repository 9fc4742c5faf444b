import type { Logger, Metrics } from '../../ports.ts';

/** Metrics on a laptop: no CloudWatch to feed, so a readable line in the server's log instead of EMF JSON. */
export function buildLoggedMetrics(logger: Logger): Metrics {
  return {
    count(name) {
      logger.info(`metric ${name} +1`, { metric: name });
    },
  };
}
