import { sha256Hex } from '../canonical.ts';
import type { AuditActor, Principal } from '../records.ts';

/** Who did it, as the audit log records it. */
export const auditActor = (principal: Principal): AuditActor => ({ keyId: principal.keyId, role: principal.role, practiceId: principal.practiceId });

/** The network itself (the scheduled sweep), not an API key. */
export const systemActor = (job: string): AuditActor => ({ keyId: `system:${job}`, role: 'system' });

/**
 * Free-text reasons stay, encrypted, in the alert's own history; the audit log keeps the SHA-256
 * of that ciphertext, which pins what was stored without copying text that might name someone.
 * (A digest of the plain text would let anyone with an export test guesses such as a client's
 * name against it.)
 */
export const reasonDigest = (reasonCiphertext: string): { reasonCiphertextSha256: string } => ({
  reasonCiphertextSha256: sha256Hex(Buffer.from(reasonCiphertext, 'utf8')),
});
