/**
 * HTTP load through autocannon: a fixed duration (or a fixed number of requests) at a fixed
 * number of connections, every request's own latency recorded (so p95 is exact), bodies or paths
 * rotating through what the phase supplies. A short warm-up run comes first and is not recorded.
 */
import autocannon from 'autocannon';
import { summarise, type LatencySummary } from './stats.ts';

export interface LoadPhase {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly method: 'POST' | 'GET';
  /** Called once per request: the path and JSON body to send. */
  readonly next: () => { path: string; body?: unknown };
  readonly connections: number;
  /** Seconds to run; or `amount` requests in all. */
  readonly seconds?: number;
  readonly amount?: number;
  readonly warmupSeconds?: number;
  /** Sees each answer (to count matches or collect ids). */
  readonly onAnswer?: (status: number, body: string) => void;
}

export interface LoadResult extends LatencySummary {
  readonly connections: number;
  readonly seconds: number;
  /** Answers other than 2xx, and transport errors/timeouts: a clean phase has none. */
  readonly non2xx: number;
  readonly errors: number;
}

export async function runLoad(phase: LoadPhase): Promise<LoadResult> {
  if (phase.warmupSeconds && phase.warmupSeconds > 0) await fire(phase, { seconds: phase.warmupSeconds }, undefined);
  const latencies: number[] = [];
  const started = performance.now();
  const result = await fire(phase, { seconds: phase.seconds, amount: phase.amount }, latencies);
  const seconds = (performance.now() - started) / 1000;
  return { ...summarise(latencies, seconds), connections: phase.connections, seconds, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

function fire(
  phase: LoadPhase,
  run: { seconds?: number | undefined; amount?: number | undefined },
  latencies: number[] | undefined,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: phase.baseUrl,
        connections: phase.connections,
        ...(run.amount !== undefined ? { amount: run.amount } : { duration: run.seconds ?? 10 }),
        timeout: 30,
        headers: { authorization: `Bearer ${phase.apiKey}`, 'content-type': 'application/json' },
        requests: [
          {
            method: phase.method,
            setupRequest: (request) => {
              const { path, body } = phase.next();
              return { ...request, path, body: body === undefined ? undefined : JSON.stringify(body) } as typeof request;
            },
            onResponse: (status: number, body: string) => phase.onAnswer?.(status, body),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (latencies) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    }
  });
}
