/** Which screens each role may use, in the order of the navigation. */
import type { ComponentType } from 'preact';
import type { Role } from './session.ts';
import { t } from './text.ts';
import { ScreenBooking } from './screens/screen-booking.tsx';
import { Batch } from './screens/batch.tsx';
import { FileAlert } from './screens/file-alert.tsx';
import { AllAlerts, MyAlerts } from './screens/alert-list.tsx';
import { Decided, ReviewQueue } from './screens/review-queue.tsx';
import { AdminClauses, AdminKeys, AdminOverview, AdminPractices } from './screens/admin.tsx';
import { AuditExport, SubjectSearch } from './screens/counsel.tsx';

export type ScreenId =
  | 'screen'
  | 'batch'
  | 'file'
  | 'myAlerts'
  | 'queue'
  | 'decided'
  | 'overview'
  | 'practices'
  | 'keys'
  | 'clauses'
  | 'alerts'
  | 'export'
  | 'subject';

export interface ScreenEntry {
  readonly id: ScreenId;
  readonly label: string;
  readonly component: ComponentType;
}

const entry = (id: ScreenId, component: ComponentType): ScreenEntry => ({ id, label: t.nav[id], component });

export function screensFor(role: Role): ScreenEntry[] {
  switch (role) {
    case 'practice':
      return [entry('screen', ScreenBooking), entry('batch', Batch), entry('file', FileAlert), entry('myAlerts', MyAlerts)];
    case 'reviewer':
      return [entry('queue', ReviewQueue), entry('decided', Decided)];
    case 'admin':
      return [
        entry('overview', AdminOverview),
        entry('practices', AdminPractices),
        entry('keys', AdminKeys),
        entry('clauses', AdminClauses),
        entry('alerts', AllAlerts),
      ];
    case 'auditor':
      return [entry('export', AuditExport), entry('subject', SubjectSearch)];
  }
}
