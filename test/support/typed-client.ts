import { createPeerguardClient, PeerguardProblem, type PeerguardClient } from '#client/peerguard-client.ts';
import { documentedFetch } from './openapi-check.ts';

/**
 * The typed client as the end-to-end suites use it: one per API key, every answer checked
 * against docs/openapi.json on the way in (./openapi-check.ts).
 */
export function typedClients(baseUrl: string): (apiKey?: string) => PeerguardClient {
  return (apiKey) => createPeerguardClient({ baseUrl, apiKey, fetch: documentedFetch() });
}

/** What a call ended in, for tests of refusals: the status, and the data or the problem. */
export async function settle<T>(pending: Promise<{ data: T; response: Response }>): Promise<{ status: number; data?: T; problem?: PeerguardProblem }> {
  try {
    const { data, response } = await pending;
    return { status: response.status, data };
  } catch (error) {
    if (error instanceof PeerguardProblem) return { status: error.status, problem: error };
    throw error;
  }
}
