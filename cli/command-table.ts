/** Every `peerguard` command, in the order `peerguard --help` lists them. */
import type { Command } from './command.ts';
import { clauseList, clausePublish, clauseVersion, keyCreate, keyList, keyRevoke, practiceCreate, practiceList } from './commands/admin.ts';
import { alertDispute, alertReinstate, alertRetract, alertShow, alertSubmit } from './commands/alerts.ts';
import { auditKey, auditTokens, exportCommand } from './commands/audit.ts';
import { check, checkBatch } from './commands/check.ts';
import { alertDigest, bookingCancel, bookingList, bookingRegister } from './commands/bookings.ts';
import { health } from './commands/health.ts';
import { stats } from './commands/stats.ts';
import { reviewApprove, reviewQueue, reviewReconfirm, reviewReject } from './commands/reviews.ts';
import { verify } from './commands/verify-export.ts';
import { verifyReceiptCommand } from './commands/verify-receipt.ts';
import { whoami } from './commands/whoami.ts';

export const commands: readonly Command[] = [
  check,
  checkBatch,
  bookingRegister,
  bookingList,
  bookingCancel,
  alertSubmit,
  alertShow,
  alertRetract,
  alertDispute,
  alertReinstate,
  alertDigest,
  reviewQueue,
  reviewApprove,
  reviewReject,
  reviewReconfirm,
  practiceCreate,
  practiceList,
  keyCreate,
  keyList,
  keyRevoke,
  clausePublish,
  clauseVersion,
  clauseList,
  exportCommand,
  auditKey,
  auditTokens,
  verify,
  verifyReceiptCommand,
  whoami,
  stats,
  health,
];
