import { createHash } from 'node:crypto';

/**
 * The network statistics' storage model, shared by the DynamoDB adapter and the in-memory one.
 *
 * A stats item (`STATS` / `<item>` in the main table) holds named counters. Each counter has a
 * number and, to decide whether a figure may be shown, the set of its CONTRIBUTORS: the practices
 * (and, where a figure is about alerts, the alerts) it was counted from. A contributor is held as a
 * SLOT, a number 0..1023 from a hash of its id, in a DynamoDB number set: bounded (at most 1,024
 * numbers, a few kilobytes, whatever the network's size), idempotent (adding a practice twice
 * changes nothing), and never an id. Two practices may share a slot, so the number of distinct
 * slots is never MORE than the number of distinct practices: a figure is only ever hidden when it
 * could have been shown, never shown when it should have been hidden.
 *
 * Counters that go down as well as up (alerts by current status) are GAUGES: instead of a set,
 * each slot holds a count (`g#<counter>#<slot>`), and the contributors are the slots above zero.
 */
export const contributorSlots = 1024;

/** The contributor slot of a practice or alert id. */
export function slotOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt16BE(0) % contributorSlots;
}

/** One counter moving by `by`, counted from `practiceId` (and `alertId`, for figures about alerts). */
export interface TallyMove {
  readonly item: string;
  readonly counter: string;
  readonly by: number;
  readonly practiceId: string;
  readonly alertId?: string | undefined;
  /** A gauge (it also goes down): the practice's slot count moves by `by`. */
  readonly gauge?: boolean | undefined;
}

/** A counter as read: its value and its contributors' slots. */
export interface Tally {
  readonly count: number;
  readonly practices: ReadonlySet<number>;
  /** Contributing alerts' slots; undefined for counters that are not counted per alert. */
  readonly alerts?: ReadonlySet<number> | undefined;
}

/** One stats item as read: counter name → tally. */
export type ItemTallies = Readonly<Record<string, Tally>>;

/** What one item's update adds: per counter, the sum and the slots to add (merged from several moves). */
export interface CounterChange {
  by: number;
  practiceSlots: Set<number>;
  alertSlots: Set<number>;
  /** Gauges: slot → amount. */
  gaugeSlots: Map<number, number>;
}

/** Moves grouped by item, then by counter, their amounts summed: one update per item (a transaction may touch an item once). */
export function groupMoves(moves: readonly TallyMove[]): Map<string, Map<string, CounterChange>> {
  const items = new Map<string, Map<string, CounterChange>>();
  for (const move of moves) {
    let counters = items.get(move.item);
    if (!counters) items.set(move.item, (counters = new Map()));
    let change = counters.get(move.counter);
    if (!change) counters.set(move.counter, (change = { by: 0, practiceSlots: new Set(), alertSlots: new Set(), gaugeSlots: new Map() }));
    change.by += move.by;
    const practice = slotOf(move.practiceId);
    if (move.gauge) change.gaugeSlots.set(practice, (change.gaugeSlots.get(practice) ?? 0) + move.by);
    else change.practiceSlots.add(practice);
    if (move.alertId !== undefined && !move.gauge) change.alertSlots.add(slotOf(move.alertId));
  }
  return items;
}

export const emptyTally: Tally = { count: 0, practices: new Set() };

/** Several tallies of one figure (the day shards of a counter, the days of a window) as one. */
export function mergeTallies(tallies: readonly (Tally | undefined)[]): Tally {
  let count = 0;
  const practices = new Set<number>();
  let alerts: Set<number> | undefined;
  for (const tally of tallies) {
    if (!tally) continue;
    count += tally.count;
    for (const slot of tally.practices) practices.add(slot);
    if (tally.alerts) {
      alerts ??= new Set();
      for (const slot of tally.alerts) alerts.add(slot);
    }
  }
  return { count, practices, alerts };
}
