import { consumerLease } from '../adapters/postgres/consumer-progress.js';
import type { Services } from '../app.js';
import { Conflict, Invalid } from '../core/errors.js';

export const EVENTS_USAGE = `  events status [--json]                 each event consumer's committed offset and how far behind it is
  events rebuild CONSUMER                forget what a consumer derived and apply the whole log again
                                         (stop the worker role running it first)
`;

/** How long `rebuild` waits for a consumer running elsewhere to let go before giving up. */
const LEASE_WAIT_MS = 5_000;
/** Entries counted past a consumer's offset, at most, for `status`. */
const BEHIND_COUNTED = 10_000;

const print = (line: string) => process.stdout.write(`${line}\n`);

export async function eventsCommand(services: Services, args: string[], o: { json?: boolean }): Promise<number> {
  const { consumers, eventLog } = services;
  const [sub, name] = args;
  switch (sub) {
    case 'status': {
      const rows = [];
      for (const consumer of consumers.names()) {
        const offset = await eventLog.committed(consumer);
        const behind = (await eventLog.read(offset, BEHIND_COUNTED, 0)).length;
        rows.push({ consumer, offset, behind, behind_at_least: behind === BEHIND_COUNTED });
      }
      if (o.json) print(JSON.stringify(rows));
      else
        for (const r of rows)
          print(`${r.consumer.padEnd(14)} offset ${r.offset}  behind ${r.behind_at_least ? `${r.behind}+` : r.behind}`);
      return 0;
    }
    case 'rebuild': {
      const known = consumers.names();
      if (name === undefined || !known.includes(name)) {
        throw new Invalid(`name a consumer to rebuild: one of ${known.join(', ')}`, 'consumer');
      }
      // The consumer's lease, so no other process applies entries while the rebuild rewinds it.
      const release = await consumerLease(services.database)(name, AbortSignal.timeout(LEASE_WAIT_MS));
      if (!release) {
        throw new Conflict(
          `consumer ${name} is running in another process (a cadenza serve with the worker role); stop it, rebuild, then start it again`,
          'consumer',
        );
      }
      try {
        const started = performance.now();
        await consumers.rebuild(name);
        const applied = await consumers.drain(name);
        print(
          `rebuilt ${name}: ${applied} log entries applied in ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
      } finally {
        await release();
      }
      return 0;
    }
    default:
      throw new Invalid('events needs one of: status, rebuild', 'command');
  }
}
