import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import { NotFoundError } from '../errors.ts';
import { isId } from '../ids.ts';
import type { CalcomIntegration, OnMatchAction, Principal } from '../records.ts';
import { auditActor } from '../audit/events.ts';
import { defaultCalcomApiBaseUrl, defaultDeclineReason, type CalcomIntegrationInput } from '../schemas.ts';

/** What the API says about a practice's Cal.com integration: whether secrets are set, never the secrets. */
export interface CalcomIntegrationView {
  practiceId: string;
  provider: 'calcom';
  /** Where Cal.com must send its webhook (Subscriber URL = the API's base URL + this path). */
  webhookPath: string;
  webhookSecretSet: true;
  calcomApiKeySet: boolean;
  calcomApiBaseUrl: string;
  onMatch: OnMatchAction;
  declineReason: string;
  configuredAt: string;
}

/** The encryption contexts of the two secrets: each ciphertext opens only as what it is, for its practice. */
export const integrationSecretPurpose = 'integration-secret';
export const secretContext = (practiceId: string, secret: 'calcom-webhook-secret' | 'calcom-api-key'): Record<string, string> => ({
  purpose: integrationSecretPurpose,
  practiceId,
  secret,
});

export const calcomWebhookPath = (practiceId: string) => `/v1/integrations/calcom/${practiceId}`;

/**
 * Sets (replaces) a practice's Cal.com integration: an admin for any practice, a practice key for
 * its own (another practice's reads as not found, like a practice that does not exist). The
 * webhook secret and API key are envelope-encrypted before they are stored, and audited only as
 * "set"; the answer never carries them.
 */
export async function configureCalcom(deps: Deps, caller: Principal, practiceId: string, input: CalcomIntegrationInput): Promise<CalcomIntegrationView> {
  await requireManagedPractice(deps, caller, practiceId);
  const now = deps.clock();
  const integration: CalcomIntegration = {
    practiceId,
    webhookSecretCiphertext: await deps.cipher.encrypt(input.webhookSecret, secretContext(practiceId, 'calcom-webhook-secret')),
    apiKeyCiphertext: input.calcomApiKey === undefined ? undefined : await deps.cipher.encrypt(input.calcomApiKey, secretContext(practiceId, 'calcom-api-key')),
    apiBaseUrl: input.calcomApiBaseUrl ?? defaultCalcomApiBaseUrl,
    onMatch: input.onMatch,
    declineReason: input.declineReason ?? defaultDeclineReason,
    configuredAt: isoInstant(now),
    configuredBy: caller.keyId,
  };
  await deps.integrations.putCalcom(integration, {
    events: [
      {
        action: 'integration.configured',
        actor: auditActor(caller),
        targets: { practiceId },
        outcome: 'success',
        detail: { provider: 'calcom', onMatch: integration.onMatch, webhookSecretSet: true, calcomApiKeySet: integration.apiKeyCiphertext !== undefined },
      },
    ],
    now,
  });
  return calcomView(integration);
}

export async function getCalcom(deps: Deps, caller: Principal, practiceId: string): Promise<CalcomIntegrationView> {
  await requireManagedPractice(deps, caller, practiceId);
  const integration = await deps.integrations.getCalcom(practiceId);
  if (!integration) throw new NotFoundError('This practice has no Cal.com integration yet; set one with PUT on this path.');
  return calcomView(integration);
}

function calcomView(integration: CalcomIntegration): CalcomIntegrationView {
  return {
    practiceId: integration.practiceId,
    provider: 'calcom',
    webhookPath: calcomWebhookPath(integration.practiceId),
    webhookSecretSet: true,
    calcomApiKeySet: integration.apiKeyCiphertext !== undefined,
    calcomApiBaseUrl: integration.apiBaseUrl,
    onMatch: integration.onMatch,
    declineReason: integration.declineReason,
    configuredAt: integration.configuredAt,
  };
}

async function requireManagedPractice(deps: Pick<Deps, 'practices'>, caller: Principal, practiceId: string): Promise<void> {
  const notFound = new NotFoundError('No such practice.');
  if (!isId(practiceId, 'prc')) throw notFound;
  if (caller.role !== 'admin' && caller.practiceId !== practiceId) throw notFound;
  if (!(await deps.practices.get(practiceId))) throw notFound;
}
