/**
 * Runs the listening consumers against DATABASE_URL in small batches until killed, for the crash
 * test. Each commit to the log is delayed a little so that a kill often lands after a batch's
 * effects were committed but before the log heard of it: the window a redelivery must survive.
 */
import pino from 'pino';
import { openDatabase } from '../../src/adapters/postgres/database.js';
import { PgEventLog } from '../../src/adapters/postgres/event-log.js';
import { PgListeningWrites } from '../../src/adapters/postgres/listening-writes-repo.js';
import { ConsumerRunner } from '../../src/core/events/consumer-runner.js';
import { listeningConsumers } from '../../src/core/events/consumers.js';

/** The consumers to run, comma-separated (CONSUMERS); all but now-playing by default. */
const only = (process.env.CONSUMERS ?? 'history,popularity,plays').split(',');
const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: '/nonexistent', poolSize: 6 });
const log = new PgEventLog(database.db);
const commit = log.commit.bind(log);
log.commit = async (consumer, offset) => {
  await new Promise((resolve) => setTimeout(resolve, 30));
  await commit(consumer, offset);
};
const runner = new ConsumerRunner(log, pino({ level: 'silent' }), { batchSize: 40, waitMs: 200 });
for (const consumer of listeningConsumers(new PgListeningWrites(database.db), async () => {})) {
  if (only.includes(consumer.name)) runner.register(consumer);
}
runner.start();
process.stdout.write('running\n');
process.once('SIGTERM', () => {
  void runner.stop().then(() => database.close().then(() => process.exit(0)));
});
