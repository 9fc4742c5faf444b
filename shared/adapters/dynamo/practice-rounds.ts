/** One piece of work waiting for its practice's next round. */
export interface RoundItem<T> {
  readonly practiceId: string;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** At most this many items share one round (one counter write). */
const maxRound = 50;

/**
 * Work on one practice's counter item, one round at a time per practice: while a round is in
 * flight, the practice's next items wait, and the next round takes all of them that `sameRound`
 * allows (in arrival order), so they cost one write instead of queueing on the same item. `run`
 * settles every item of its round; an error it throws rejects the ones it left.
 */
export function practiceRounds<T, I extends RoundItem<T>>(run: (practiceId: string, round: I[]) => Promise<void>, sameRound: (first: I, next: I) => boolean) {
  const queues = new Map<string, I[]>();

  const drain = async (practiceId: string, queue: I[]) => {
    while (queue.length > 0) {
      const first = queue[0]!;
      let size = 1;
      while (size < queue.length && size < maxRound && sameRound(first, queue[size]!)) size += 1;
      const round = queue.splice(0, size);
      try {
        await run(practiceId, round);
      } catch (error) {
        for (const item of round) item.reject(error);
      }
    }
    queues.delete(practiceId);
  };

  return (item: I): void => {
    const queue = queues.get(item.practiceId);
    if (queue) return void queue.push(item);
    const fresh = [item];
    queues.set(item.practiceId, fresh);
    void drain(item.practiceId, fresh);
  };
}
