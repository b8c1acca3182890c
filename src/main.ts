import { parseArgs } from 'node:util';
import { listeningSignals } from './adapters/postgres/recs-signals.js';
import { createLogger, createServices, type Services } from './app.js';
import { EVENTS_USAGE, eventsCommand } from './cli/events.js';
import { printReport, runImport, watchLibrary } from './cli/import.js';
import { RECS_USAGE, recsCommand, refitCommand } from './cli/recs.js';
import { ROYALTIES_USAGE, royaltiesCommand } from './cli/royalties.js';
import { serve } from './cli/serve.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import type { Product, Role } from './core/accounts/types.js';
import { DomainError } from './core/errors.js';

const USAGE = `Usage: cadenza <command> [options]

Commands:
  serve [--port N] [--data DIR]          run the server (roles from CADENZA_ROLES: api,worker,edge)
  import DIR [--transcode lazy|eager] [--wait] [--watch] [--data DIR] [--json]
                                         import a music folder: lazy (the default for a new folder,
                                         remembered) lists it at once and builds the transcode ladder in
                                         the background of \`cadenza serve\`; eager (or --wait) waits for
                                         the ladder; --watch keeps following the folder's changes
  user add --username U --password P [--product free|premium] [--role listener|artist|admin] [--country CC]
  user set-product --username U --product free|premium
  user set-role --username U --role listener|artist|admin
  user list [--json]
  jobs [--state queued|running|done|failed] [--limit N] [--json]
${ROYALTIES_USAGE}${EVENTS_USAGE}${RECS_USAGE}`;

function fail(message: string): never {
  process.stderr.write(`cadenza: ${message}\n`);
  process.exit(2);
}

async function withServices<T>(config: Config, fn: (services: Services) => Promise<T>): Promise<T> {
  const services = await createServices({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
  try {
    return await fn(services);
  } finally {
    await services.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Recommendations over files: their own flags, no configuration, no database (unless asked for).
  if (command === 'recs' && !rest.includes('--help') && !rest.includes('-h')) {
    if (rest[0] === 'refit') {
      if (rest.length > 1) fail(`recs refit takes no arguments (got ${rest.slice(1).join(' ')})`);
      const config = loadConfig({ ...process.env });
      return withServices(config, (services) => refitCommand(services.recommendations, config.recs.checkSeconds));
    }
    if (!rest.includes('--from-database')) return recsCommand(rest);
    return withServices(loadConfig({ ...process.env }), (services) =>
      recsCommand(rest, async () => (await listeningSignals(services.database.db)).interactions),
    );
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      json: { type: 'boolean', default: false },
      transcode: { type: 'string' },
      wait: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      username: { type: 'string' },
      password: { type: 'string' },
      product: { type: 'string' },
      role: { type: 'string' },
      country: { type: 'string' },
      state: { type: 'string' },
      limit: { type: 'string' },
      period: { type: 'string' },
      market: { type: 'string' },
      'premium-price-micros': { type: 'string' },
      'payout-bp': { type: 'string' },
      'ad-revenue-micros': { type: 'string' },
      name: { type: 'string' },
      track: { type: 'string' },
      share: { type: 'string', multiple: true },
      holder: { type: 'string' },
      out: { type: 'string' },
      close: { type: 'boolean' },
      job: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!command || values.help || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const env = { ...process.env };
  if (values.port !== undefined) env.PORT = values.port;
  if (values.data !== undefined) env.CADENZA_DATA_DIR = values.data;
  const config = loadConfig(env);

  switch (command) {
    case 'serve':
      await serve(config, createLogger(config));
      return 0;
    case 'import': {
      const dir = positionals[0] ?? fail('import needs a folder: cadenza import DIR');
      const transcode = values.transcode;
      if (transcode !== undefined && transcode !== 'lazy' && transcode !== 'eager')
        fail('--transcode must be lazy or eager');
      const options = { json: values.json, transcode, wait: values.wait } as const;
      if (values.watch) {
        const stop = new AbortController();
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
        await withServices(config, (s) =>
          watchLibrary(s, dir, {
            ...options,
            signal: stop.signal,
            log: (line) => (values.json ? process.stdout : process.stderr).write(`${line}\n`),
          }),
        );
        return 0;
      }
      const report = await withServices(config, (s) => runImport(s, dir, { ...options, details: values.json }));
      if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else printReport(report);
      return report.failed.length > 0 ? 1 : 0;
    }
    case 'user':
      return withServices(config, async ({ accounts }) => {
        const sub = positionals[0];
        if (sub === 'add') {
          const user = await accounts.signUp({
            username: values.username ?? fail('--username is required'),
            password: values.password ?? fail('--password is required'),
            product: values.product as Product | undefined,
            role: values.role as Role | undefined,
            country: values.country,
          });
          process.stdout.write(
            `${JSON.stringify({ id: user.id, username: user.username, role: user.role, product: user.product, country: user.country })}\n`,
          );
        } else if (sub === 'set-product') {
          const user = await accounts.setProduct(
            values.username ?? fail('--username is required'),
            values.product ?? fail('--product is required'),
          );
          process.stdout.write(`${user.username} is now ${user.product}\n`);
        } else if (sub === 'set-role') {
          const user = await accounts.setRole(
            values.username ?? fail('--username is required'),
            values.role ?? fail('--role is required'),
          );
          process.stdout.write(`${user.username} is now ${user.role}\n`);
        } else if (sub === 'list') {
          const users = await accounts.listUsers();
          if (values.json) process.stdout.write(`${JSON.stringify(users)}\n`);
          else
            for (const u of users)
              process.stdout.write(
                `${u.id}  ${u.username.padEnd(20)} ${u.role.padEnd(9)} ${u.product.padEnd(8)} ${u.country}\n`,
              );
        } else fail('user needs one of: add, set-product, set-role, list');
        return 0;
      });
    case 'jobs':
      return withServices(config, async ({ jobs }) => {
        const state = values.state as 'queued' | 'running' | 'done' | 'failed' | undefined;
        if (state && !['queued', 'running', 'done', 'failed'].includes(state))
          fail('--state must be queued, running, done or failed');
        const list = await jobs.list({ state, limit: Number(values.limit ?? 50) });
        if (values.json) process.stdout.write(`${JSON.stringify({ counts: await jobs.counts(), jobs: list })}\n`);
        else {
          const c = await jobs.counts();
          process.stdout.write(`queued ${c.queued} · running ${c.running} · done ${c.done} · failed ${c.failed}\n`);
          for (const j of list) {
            const path = (j.payload as { sourcePath?: string }).sourcePath ?? '';
            process.stdout.write(
              `#${j.id} ${j.name} ${j.state} attempts=${j.attempts} ${path}${j.lastError ? `\n    reason: ${j.lastError}` : ''}\n`,
            );
          }
        }
        return 0;
      });
    case 'royalties':
      return withServices(config, (services) => royaltiesCommand(services, positionals, values));
    case 'events':
      return withServices(config, (services) => eventsCommand(services, positionals, values));
    default:
      process.stderr.write(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (process.argv[2] !== 'serve') process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError || err instanceof DomainError) {
      process.stderr.write(`cadenza: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`cadenza: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
