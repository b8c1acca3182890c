import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Builds the web player the way `npm ci` does (Vite into web/dist), so the server serves the code under test. */
export async function buildWebApp(): Promise<void> {
  await run('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'error'], { cwd: process.cwd() });
}
