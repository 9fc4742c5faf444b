import { describe, expect, it } from 'vitest';
import { createApiKey } from '#shared/domain/api-keys.ts';
import { createPractice } from '#shared/domain/practices.ts';
import { auditActor } from '#shared/audit/events.ts';
import { notificationMessage } from '#shared/domain/notification-message.ts';
import { principal } from '../fakes/fixtures.ts';
import { buildTestDeps } from '../fakes/deps.ts';

/**
 * An admin alone could register shell practices, give them reviewer keys and publish: the
 * security topic hears of every practice and every key created, with the creating key.
 */
describe('governance notices', () => {
  it('registering a practice and creating a reviewer key each tell the security topic, naming the admin key', async () => {
    const deps = buildTestDeps();
    const admin = principal('admin');
    const practice = await createPractice(deps, auditActor(admin), { name: 'Shell Practice', region: 'CT' });
    const key = await createApiKey(deps, auditActor(admin), { role: 'reviewer', practiceId: practice.practiceId, label: 'committee' });
    expect(deps.sent).toEqual([
      { topic: 'security', type: 'governance.practice_created', practiceId: practice.practiceId, byKeyId: admin.keyId, at: practice.createdAt },
      {
        topic: 'security',
        type: 'governance.key_created',
        keyId: key.keyId,
        role: 'reviewer',
        practiceId: practice.practiceId,
        byKeyId: admin.keyId,
        at: practice.createdAt,
      },
    ]);
  });

  it('every key role is heard (an admin or auditor key too), and the message carries no label or name', async () => {
    const deps = buildTestDeps();
    const admin = principal('admin');
    await createApiKey(deps, auditActor(admin), { role: 'admin', label: 'Second operator Jane Roe' });
    await createApiKey(deps, auditActor(admin), { role: 'auditor', label: 'Counsel' });
    expect(deps.sent.map((sent) => sent.type === 'governance.key_created' && sent.role)).toEqual(['admin', 'auditor']);
    const messages = JSON.stringify(deps.sent.map(notificationMessage));
    expect(messages).not.toContain('Jane');
    expect(messages).not.toContain('Counsel');
  });
});
