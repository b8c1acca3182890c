import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findFfmpeg } from '../../src/adapters/ffmpeg-binaries.js';

const run = promisify(execFile);

/** Writes `expression` (an FFmpeg aevalsrc expression of t) as a mono file; the format follows the extension. */
export async function synthesize(path: string, expression: string, seconds: number, rate = 22050): Promise<string> {
  const { ffmpeg } = findFfmpeg();
  // Quoted, so the expression's commas stay inside it.
  const source = `aevalsrc='${expression}':s=${rate}:d=${seconds}`;
  await run(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, path]);
  return path;
}

/** A kick drum (55 Hz thump) with a click on every beat at `bpm`. */
export function kicks(bpm: number): string {
  const p = (60 / bpm).toFixed(6);
  return `0.8*sin(2*PI*55*t)*exp(-25*mod(t,${p}))+0.3*sin(2*PI*3000*t)*exp(-200*mod(t,${p}))`;
}

/** Triads (three frequencies each), two seconds apiece, repeated; each note has its third harmonic too. */
export function chords(triads: [number, number, number][]): string {
  const bar = 2 * triads.length;
  const note = (f: number) => `(sin(2*PI*${f}*t)+0.3*sin(6*PI*${f}*t))`;
  const parts = triads.map((notes, i) => `between(mod(t,${bar}),${2 * i},${2 * i + 2})*(${notes.map(note).join('+')})`);
  return `0.1*(${parts.join('+')})*(0.6+0.4*exp(-3*mod(t,2)))`;
}

/** White noise at `amplitude` (peak, 0..1). */
export function noise(amplitude: number): string {
  return `${amplitude}*(2*random(0)-1)`;
}

/** Clicks on every beat at `bpm`, the first of each bar of `beats` much louder (a downbeat accent). */
export function accentedClicks(bpm: number, beats: number): string {
  const beat = 60 / bpm;
  const bar = (beat * beats).toFixed(6);
  const tone = '(sin(2*PI*3000*t)+0.5*sin(2*PI*150*t))';
  return `(0.1+0.8*lt(mod(t,${bar}),${beat.toFixed(6)}))*${tone}*exp(-60*mod(t,${beat.toFixed(6)}))`;
}

/** Speech synthesized by FFmpeg's flite source, when this FFmpeg was built with it. */
export async function speak(path: string, text: string): Promise<string | undefined> {
  const { ffmpeg } = findFfmpeg();
  const filters = await run(ffmpeg, ['-hide_banner', '-filters']).then((r) => r.stdout);
  if (!/\bflite\b/.test(filters)) return undefined;
  await run(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `flite=text='${text.replace(/'/g, '')}'`, path]);
  return path;
}
