import { sha256Hex } from '../canonical.ts';
import type { AuditActor, Principal } from '../records.ts';

/** Who did it, as the audit log records it. */
export const auditActor = (principal: Principal): AuditActor => ({ keyId: principal.keyId, role: principal.role, practiceId: principal.practiceId });

/** The network itself (the scheduled sweep), not an API key. */
export const systemActor = (job: string): AuditActor => ({ keyId: `system:${job}`, role: 'system' });

/**
 * Free-text reasons stay in the alert's own history; the audit log keeps their SHA-256, which
 * proves what was written without copying text that might name someone.
 */
export const reasonDigest = (reason: string): { reasonSha256: string } => ({ reasonSha256: sha256Hex(Buffer.from(reason, 'utf8')) });
