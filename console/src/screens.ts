/** Which screens each role may use, in the order of the navigation. */
import type { ComponentType } from 'preact';
import type { Role } from './session.ts';
import { t } from './text.ts';
import { ScreenBooking } from './screens/screen-booking.tsx';
import { Batch } from './screens/batch.tsx';

export type ScreenId = 'screen' | 'batch' | 'file' | 'myAlerts' | 'queue' | 'decided' | 'overview' | 'practices' | 'keys' | 'clauses' | 'alerts' | 'export' | 'subject';

export interface ScreenEntry {
  readonly id: ScreenId;
  readonly label: string;
  readonly component: ComponentType;
}

const entry = (id: ScreenId, component: ComponentType): ScreenEntry => ({ id, label: t.nav[id], component });

export function screensFor(role: Role): ScreenEntry[] {
  switch (role) {
    case 'practice':
      return [entry('screen', ScreenBooking), entry('batch', Batch)];
    case 'reviewer':
      return [];
    case 'admin':
      return [];
    case 'auditor':
      return [];
  }
}
