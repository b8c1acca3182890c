import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Services } from '../app.js';
import { Invalid } from '../core/errors.js';
import { statementCsv } from '../core/royalties/statement-csv.js';
import { ROYALTY_RUN_JOB, type RunSummary } from '../core/royalties/types.js';

export const ROYALTIES_USAGE = `  royalties price --market CC --period YYYY-MM --premium-price-micros N --payout-bp N --ad-revenue-micros N
  royalties prices --period YYYY-MM [--json]
  royalties holder add --name NAME [--username ARTIST_ACCOUNT]
  royalties split --track ID --share HOLDER_ID:BASIS_POINTS [--share …]   (shares sum to 10000)
  royalties run --period YYYY-MM [--close] [--job] [--json]
  royalties statement --period YYYY-MM --holder ID       (CSV on stdout)
  royalties statement --period YYYY-MM --out DIR         (one CSV per rights holder in DIR)
`;

export interface RoyaltiesOptions {
  period?: string;
  market?: string;
  'premium-price-micros'?: string;
  'payout-bp'?: string;
  'ad-revenue-micros'?: string;
  name?: string;
  username?: string;
  track?: string;
  share?: string[];
  holder?: string;
  out?: string;
  close?: boolean;
  job?: boolean;
  json?: boolean;
}

const print = (line: string) => process.stdout.write(`${line}\n`);

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new Invalid(`--${flag} is required`, flag);
  return value;
}

function integer(value: string | undefined, flag: string): bigint {
  const v = required(value, flag);
  if (!/^\d+$/.test(v)) throw new Invalid(`--${flag} must be a whole number (micro-units or basis points)`, flag);
  return BigInt(v);
}

/** Micro-units as a decimal amount, exactly: 1234567 → "1.234567". */
export function formatMicros(micros: bigint): string {
  const whole = micros / 1_000_000n;
  const fraction = (micros % 1_000_000n).toString().padStart(6, '0');
  return `${whole}.${fraction}`;
}

function printSummary(s: RunSummary): void {
  const state = s.verified ? 'closed, recomputed and identical' : s.closed ? 'closed' : 'open';
  print(`royalties ${s.period} (${state}): ${s.streams} streams, ${s.lines} statement lines, digest ${s.digest}`);
  print(
    `  pool ${formatMicros(s.poolMicros)} = paid ${formatMicros(s.paidMicros)} + unassigned ${formatMicros(s.unassignedMicros)} + unallocated ${formatMicros(s.unallocatedMicros)}`,
  );
  for (const m of s.markets) {
    print(
      `  ${m.market}: ${m.premiumUsers} premium users, ${m.premiumStreams} premium + ${m.freeStreams} free streams, premium pool ${formatMicros(m.premiumPoolMicros)}, ad pool ${formatMicros(m.adPoolMicros)}, paid ${formatMicros(m.paidMicros)}`,
    );
  }
}

const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

/** `cadenza royalties …`: prices, rights holders, splits, runs and statements. */
export async function royaltiesCommand(services: Services, args: string[], o: RoyaltiesOptions): Promise<number> {
  const { royalties } = services;
  const [sub, action] = args;
  switch (sub) {
    case 'price':
      await royalties.setPrice({
        market: required(o.market, 'market').toUpperCase(),
        period: required(o.period, 'period'),
        premiumPriceMicros: integer(o['premium-price-micros'], 'premium-price-micros'),
        payoutBp: Number(integer(o['payout-bp'], 'payout-bp')),
        adRevenueMicros: integer(o['ad-revenue-micros'], 'ad-revenue-micros'),
      });
      print(`price set for ${o.market?.toUpperCase()} in ${o.period}`);
      return 0;
    case 'prices': {
      const prices = await royalties.prices(required(o.period, 'period'));
      if (o.json) print(json(prices));
      else
        for (const p of prices)
          print(
            `${p.market} ${p.period} premium ${formatMicros(p.premiumPriceMicros)} payout ${p.payoutBp} bp ad ${formatMicros(p.adRevenueMicros)}`,
          );
      return 0;
    }
    case 'holder': {
      if (action !== 'add') throw new Invalid('royalties holder needs: add', 'holder');
      const holder = await royalties.addHolder({ name: required(o.name, 'name'), username: o.username });
      print(json(holder));
      return 0;
    }
    case 'split': {
      const splits = (o.share ?? []).map((s) => {
        const m = /^([^:]+):(\d+)$/.exec(s);
        if (!m) throw new Invalid(`--share must be HOLDER_ID:BASIS_POINTS, got ${s}`, 'share');
        return { holderId: m[1]!, shareBp: Number(m[2]) };
      });
      const stored = await royalties.setSplits(required(o.track, 'track'), splits);
      print(json(stored));
      return 0;
    }
    case 'run': {
      const period = required(o.period, 'period');
      if (o.job) {
        // A running server's worker picks it up; the key makes each request its own job.
        await services.jobs.enqueue(ROYALTY_RUN_JOB, `${ROYALTY_RUN_JOB}:${period}:${Date.now()}`, {
          period,
          close: o.close === true,
        });
        print(`queued ${ROYALTY_RUN_JOB} for ${period}; see cadenza jobs`);
        return 0;
      }
      const summary = await royalties.run(period, { close: o.close === true });
      if (o.json) print(json(summary));
      else printSummary(summary);
      return 0;
    }
    case 'statement': {
      const period = required(o.period, 'period');
      if (o.holder) {
        process.stdout.write(statementCsv(await royalties.holderStatement(period, o.holder)));
        return 0;
      }
      const dir = required(o.out, 'holder or --out');
      const lines = await royalties.allStatements(period);
      const byHolder = new Map<string, typeof lines>();
      for (const l of lines) {
        const list = byHolder.get(l.holderId) ?? [];
        if (list.length === 0) byHolder.set(l.holderId, list);
        list.push(l);
      }
      await mkdir(dir, { recursive: true });
      for (const [holderId, holderLines] of byHolder) {
        await writeFile(join(dir, `${period}_${holderId}.csv`), statementCsv(holderLines));
      }
      print(`wrote ${byHolder.size} statements for ${period} to ${dir}`);
      return 0;
    }
    default:
      throw new Invalid(`royalties needs one of: price, prices, holder add, split, run, statement`, 'command');
  }
}
