import { expect } from 'vitest';
import type { Call } from './api-client.ts';
import { consentProof } from '../fakes/fixtures.ts';

export const clauseText = 'I authorise this practice to tell other participating professionals whether it would be willing to work with me again.';

/** Three practices (one submitter, two reviewing), their keys, and a published consent clause. */
export async function setUpNetwork(call: Call, adminKey: string) {
  const practice = async (name: string) => {
    const answer = await call('POST', '/v1/practices', { key: adminKey, body: { name, region: 'CT' } });
    expect(answer.status).toBe(201);
    return answer.body.practiceId as string;
  };
  const key = async (role: string, practiceId: string | undefined, label: string) => {
    const answer = await call('POST', '/v1/keys', { key: adminKey, body: { role, practiceId, label } });
    expect(answer.status).toBe(201);
    return { apiKey: answer.body.apiKey as string, keyId: answer.body.keyId as string };
  };
  const [harbour, elm, valley] = [await practice('Harbour Massage'), await practice('Elm Street Bodywork'), await practice('Valley Therapy')];
  const keys = {
    harbourDesk: await key('practice', harbour, 'Harbour front desk'),
    harbourReviewer: await key('reviewer', harbour, 'Harbour reviewer'),
    elmReviewer: await key('reviewer', elm, 'Elm reviewer'),
    elmReviewer2: await key('reviewer', elm, 'Elm second reviewer'),
    valleyReviewer: await key('reviewer', valley, 'Valley reviewer'),
    valleyDesk: await key('practice', valley, 'Valley front desk'),
    auditor: await key('auditor', undefined, 'Counsel'),
  };
  const clause = await call('POST', '/v1/consent-clauses', { key: adminKey, body: { text: clauseText, jurisdiction: 'US-CT' } });
  expect(clause.status).toBe(201);
  return { practices: { harbour, elm, valley }, keys, clause: clause.body as { clauseId: string; version: number; sha256: string } };
}

export function alertBody(
  clause: { clauseId: string; version: number; sha256: string },
  subject: Record<string, string>,
  summary = 'Client made sexual advances during the session and would not stop when asked.',
) {
  return {
    subject,
    incident: {
      occurredOn: '2026-11-02',
      category: 'sexual_misconduct',
      severity: 'high',
      summary,
      actionsTaken: 'Session ended; client discharged.',
      witnesses: 1,
    },
    consent: consentProof(clause),
  };
}
