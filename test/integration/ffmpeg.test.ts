import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { FfmpegTranscoder } from '../../src/adapters/ffmpeg.js';
import { findFfmpeg } from '../../src/adapters/ffmpeg-binaries.js';
import { MediaError } from '../../src/core/errors.js';
import { ladderFor, rungFor } from '../../src/core/ingest/ladder.js';
import { normalizationGainDb } from '../../src/core/ingest/loudness.js';
import type { Rung, RunOptions } from '../../src/ports/transcoder.js';
import { makeTone, type ToneOptions } from '../helpers/audio.js';

const run = promisify(execFile);
// TEST_FFMPEG/TEST_FFPROBE run the adapter against other builds (e.g. the npm static ones); the
// system binaries still make the sources and check the results.
const explicit = { ffmpeg: process.env.TEST_FFMPEG, ffprobe: process.env.TEST_FFPROBE };
const binaries = explicit.ffmpeg && explicit.ffprobe ? findFfmpeg(explicit) : findFfmpeg();
const checker = findFfmpeg();
const media = new FfmpegTranscoder({ binaries, concurrency: 2 });
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cadenza-ffmpeg-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Music-like sources: a bare sine costs an encoder almost nothing, so bitrates would say little. This
 * adds a chord of partials drifting apart between channels and a noise burst on every beat.
 */
function denseTone(name: string, options: ToneOptions & { extra?: string[] } = {}): Promise<string> {
  const channels = options.channels ?? 2;
  const partials = [220, 331, 498, 747, 1121, 1682, 2523, 3785, 5678, 8517, 11234, 14011];
  const chord = partials.map((f, i) => `sin(2*PI*t*(${f}+ch*${2 * i + 3}))`).join('+');
  const expr = `0.2*val(0)+0.04*(${chord})+0.3*(random(ch)-0.5)*exp(-12*mod(t,0.25))`;
  const layout = channels === 2 ? 'stereo' : 'mono';
  const outputArgs = ['-af', `aeval='${expr}':c=${layout}`, ...(options.extra ?? [])];
  return makeTone(join(dir, name), { seconds: 6, ...options, outputArgs });
}

interface Probed {
  streams: {
    codec_name: string;
    codec_type: string;
    sample_rate: string;
    channels: number;
    bits_per_raw_sample?: string;
    tags?: object;
  }[];
  format: { format_name: string; duration: string; size: string; tags?: object };
}

async function ffprobe(path: string): Promise<Probed> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path];
  return JSON.parse((await run(checker.ffprobe, args)).stdout) as Probed;
}

/**
 * Bytes of audio packets, without container headers: Vorbis setup headers alone add ~4 kbps to a
 * 6-second file, which would say nothing about the encoder's rate on a real track.
 */
async function payloadBytes(path: string): Promise<number> {
  const args = ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'packet=size', '-of', 'json', path];
  const { stdout } = await run(checker.ffprobe, args, { maxBuffer: 64 << 20 });
  const { packets } = JSON.parse(stdout) as { packets: { size: string }[] };
  return packets.reduce((sum, packet) => sum + Number(packet.size), 0);
}

/** Top-level MP4 box types in file order; faststart puts `moov` before `mdat`. */
function mp4Boxes(data: Buffer): string[] {
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= data.length; ) {
    const size = data.readUInt32BE(at);
    boxes.push(data.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

function expectedFor(rung: Rung, source: { rate: number; channels: number }) {
  if (rung.codec === 'flac') return { codec: 'flac', rate: Math.min(source.rate, 48000), channels: source.channels };
  if (rung.quality === 'vorbis_24') return { codec: 'vorbis', rate: 22050, channels: 1 };
  return { codec: rung.codec, rate: 44100, channels: 2 };
}

const TAGS = { title: 'Secret Title', artist: 'Someone', album: 'Private' };
interface Source {
  name: string;
  make: () => Promise<string>;
  rate: number;
  channels: number;
  /** FLAC bit depth expected from a lossless source; absent for lossy ones. */
  bits?: string;
}
const source = (name: string, make: Source['make'], rate: number, channels: number, bits?: string): Source => ({
  name,
  make,
  rate,
  channels,
  bits,
});
const SOURCES: Source[] = [
  source('wav', () => denseTone('a.wav', { tags: TAGS }), 44100, 2, '16'),
  source('flac 24-bit', () => denseTone('b.flac', { tags: TAGS, extra: ['-sample_fmt', 's32'] }), 44100, 2, '24'),
  source('mp3 with cover art', () => mp3WithCover(), 44100, 2),
  source(
    '48 kHz 24-bit wav',
    () => denseTone('d.wav', { sampleRate: 48000, extra: ['-c:a', 'pcm_s24le'] }),
    48000,
    2,
    '24',
  ),
  source('mono wav', () => denseTone('e.wav', { channels: 1 }), 44100, 1, '16'),
];

async function makePicture(path: string): Promise<string> {
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=64x64', '-frames:v', '1', '-f', 'image2'];
  await run(checker.ffmpeg, [...args, path]);
  return path;
}

async function mp3WithCover(): Promise<string> {
  const plain = await denseTone('c-plain.mp3');
  const cover = await makePicture(join(dir, 'cover.png'));
  const out = join(dir, 'c.mp3');
  const map = ['-map', '0:a', '-map', '1:v', '-c', 'copy', '-disposition:v', 'attached_pic', '-id3v2_version', '3'];
  const tags = Object.entries(TAGS).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
  await run(checker.ffmpeg, ['-v', 'error', '-y', '-i', plain, '-i', cover, ...map, ...tags, out]);
  return out;
}

/** Checks one rung's file; returns its audio payload's bitrate in kbps (undefined for FLAC). */
async function assertRung(
  rung: Rung,
  output: string,
  source: Source,
  durationMs: number,
  sourceLufs: number,
): Promise<number | undefined> {
  const { streams, format } = await ffprobe(output);
  assert.deepEqual(
    streams.map((s) => s.codec_type),
    ['audio'],
    'cover art must be dropped',
  );
  const audio = streams[0]!;
  const got = { codec: audio.codec_name, rate: Number(audio.sample_rate), channels: audio.channels };
  assert.deepEqual(got, expectedFor(rung, source));
  assert.match(format.format_name, rung.container === 'mp4' ? /mp4/ : new RegExp(`^${rung.container}$`));
  assert.doesNotMatch(JSON.stringify([format.tags, audio.tags]), /Secret Title|Someone|Private/, 'source tags leak');
  const seconds = Number(format.duration);
  assert.ok(Math.abs(seconds - durationMs / 1000) < 0.15, `lasts ${seconds} s`);
  if (rung.quality === 'aac_128' || rung.quality === 'vorbis_24') {
    // Switching quality must not change the volume. vorbis_24 may come out quieter, never louder: it
    // drops everything above 11 kHz and averages the sides to mono, which loses what differs between
    // them (much, in this test signal; under 1 LU in real music).
    const change = (await media.measureLoudness(output)).integratedLufs - sourceLufs;
    const lowest = rung.quality === 'vorbis_24' ? -4.5 : -0.5;
    assert.ok(change >= lowest && change <= 0.5, `loudness changed by ${change.toFixed(1)} LU`);
  }
  if (rung.codec === 'flac') {
    assert.equal(audio.bits_per_raw_sample, source.bits, 'FLAC keeps the bit depth');
    return undefined;
  }
  if (rung.container === 'mp4') {
    const boxes = mp4Boxes(await readFile(output));
    assert.ok(boxes.indexOf('moov') < boxes.indexOf('mdat'), `not faststart: ${boxes.join(',')}`);
  }
  // Vorbis is in quality mode: on dense music like this it lands near its bitrate, never exactly.
  const kbps = ((await payloadBytes(output)) * 0.008) / seconds;
  const tolerance = rung.codec === 'vorbis' ? 0.25 : 0.15;
  assert.ok(Math.abs(kbps - rung.bitrateKbps!) <= rung.bitrateKbps! * tolerance, `${kbps.toFixed(1)} kbps`);
  if (!rung.premium) {
    // The free tier's ceiling holds for the whole file, headers included, as the catalog records it.
    const fileKbps = ((await stat(output)).size * 0.008) / seconds;
    assert.ok(fileKbps <= 160, `${fileKbps.toFixed(1)} kbps is above the free tier's 160 kbps`);
  }
  return kbps;
}

// The sources run side by side so the transcoder's queue, not the test order, keeps both cores busy.
describe('the transcode ladder', { concurrency: true }, () => {
  for (const source of SOURCES) {
    test(`every rung of a ${source.name} has the codec, format and bitrate it promises`, async () => {
      const input = await source.make();
      const probed = await media.probe(input);
      assert.deepEqual([probed.sampleRate, probed.channels], [source.rate, source.channels]);
      assert.equal(probed.lossless, source.bits !== undefined);
      await media.verifyDecodes(input);
      const rungs = ladderFor(probed.lossless);
      const stem = join(dir, source.name.replaceAll(' ', '-'));
      const outputs = rungs.map((rung) => `${stem}.${rung.quality}.${rung.extension}`);
      await Promise.all(rungs.map((rung, i) => media.transcode(input, rung, outputs[i]!)));
      const sourceLufs = (await media.measureLoudness(input)).integratedLufs;
      const vorbisKbps: number[] = [];
      for (const [i, rung] of rungs.entries()) {
        const kbps = await assertRung(rung, outputs[i]!, source, probed.durationMs, sourceLufs).catch(
          (error: Error) => {
            error.message = `${rung.quality}: ${error.message}`;
            throw error;
          },
        );
        if (rung.codec === 'vorbis') vorbisKbps.push(kbps!);
      }
      // Switching up a rung must buy more bits, whatever the quality settings say.
      const ascending = [...vorbisKbps].sort((a, b) => a - b);
      assert.deepEqual(vorbisKbps, ascending, `Vorbis rungs in ladder order: ${vorbisKbps.map(Math.round)} kbps`);
      assert.equal(new Set(vorbisKbps).size, vorbisKbps.length);
    });
  }
});

test('a 96 kHz 24-bit master becomes a 48 kHz 24-bit FLAC rung', async () => {
  const input = await denseTone('hires.flac', { seconds: 3, sampleRate: 96000, extra: ['-sample_fmt', 's32'] });
  const output = join(dir, 'hires.out.flac');
  await media.transcode(input, rungFor('flac')!, output);
  const [audio] = (await ffprobe(output)).streams;
  assert.deepEqual([audio!.sample_rate, audio!.bits_per_raw_sample], ['48000', '24']);
});

test('normalisation brings a quiet and a loud track to the same loudness, for real', async () => {
  const results: number[] = [];
  for (const levelDb of [-30, -1]) {
    const tone = { seconds: 5, channels: 1 as const, levelDb };
    const input = await makeTone(join(dir, `level${levelDb}.wav`), tone);
    const loudness = await media.measureLoudness(input);
    assert.ok(Math.abs(loudness.truePeakDbtp - levelDb) < 0.6, JSON.stringify(loudness));
    const gain = normalizationGainDb(loudness, -14);
    assert.ok(Math.abs(loudness.integratedLufs + gain + 14) <= 1, `${levelDb} dBFS: ${gain} dB`);
    const rendered = join(dir, `level${levelDb}.normalised.wav`);
    const render = ['-af', `volume=${gain}dB`, '-c:a', 'pcm_f32le'];
    await run(checker.ffmpeg, ['-v', 'error', '-y', '-i', input, ...render, rendered]);
    const after = await media.measureLoudness(rendered);
    assert.ok(after.truePeakDbtp <= -0.9, JSON.stringify(after));
    results.push(after.integratedLufs);
  }
  assert.ok(Math.abs(results[0]! - results[1]!) <= 1, `after normalisation: ${results.join(' vs ')} LUFS`);
  for (const lufs of results) assert.ok(Math.abs(lufs + 14) <= 1, `${lufs} LUFS`);
});

test('silence measures at the floor and counts as silence; a tone does not', async () => {
  const silent = await makeTone(join(dir, 'silent.wav'), { seconds: 4, levelDb: -200 });
  const tone = await makeTone(join(dir, 'tone.wav'), { seconds: 4 });
  assert.deepEqual(await media.measureLoudness(silent), { integratedLufs: -70, truePeakDbtp: -70 });
  assert.ok((await media.silenceRatio(silent, 4000)) > 0.95);
  assert.ok((await media.silenceRatio(tone, 4000)) < 0.05);
});

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => assert.fail('expected a MediaError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof MediaError, String(error));
  return error.message;
}

test('unusable uploads are rejected with a reason a person can act on', async () => {
  const empty = join(dir, 'empty.mp3');
  await writeFile(empty, '');
  assert.equal(await rejection(media.probe(empty)), 'file is empty');
  const text = join(dir, 'notes.mp3');
  await writeFile(text, 'These are my lyrics, not a song.\n'.repeat(40));
  assert.equal(await rejection(media.probe(text)), 'not a readable audio file');
  const picture = await makePicture(join(dir, 'picture.mp3'));
  assert.equal(await rejection(media.probe(picture)), 'no audio stream');
  const limited = new FfmpegTranscoder({ binaries, concurrency: 1, maxDurationMs: 5000 });
  const long = await makeTone(join(dir, 'long.wav'), { seconds: 6 });
  assert.equal(await rejection(limited.probe(long)), 'audio is longer than the 0:05 limit');
});

test('truncated files probe but fail the full decode', async () => {
  for (const ext of ['flac', 'mp3']) {
    const whole = await makeTone(join(dir, `whole.${ext}`), { seconds: 10 });
    await media.verifyDecodes(whole);
    const data = await readFile(whole);
    const half = join(dir, `half.${ext}`);
    await writeFile(half, data.subarray(0, data.length / 2));
    await media.probe(half);
    assert.match(await rejection(media.verifyDecodes(half)), /^audio is truncated or corrupt: \w/, ext);
  }
});

/** A stand-in ffmpeg that logs when each process starts and ends (or fails after writing its output). */
async function loggingFfmpeg(name: string, exitCode?: number): Promise<{ path: string; log: string }> {
  const path = join(dir, `${name}.sh`);
  const log = join(dir, `${name}.log`);
  const status = exitCode === undefined ? '$status' : String(exitCode);
  const script = `#!/bin/sh\necho "start $(date +%s%N)" >> ${log}\n${checker.ffmpeg} "$@"\nstatus=$?\necho "end $(date +%s%N)" >> ${log}\nexit ${status}\n`;
  await writeFile(path, script);
  await chmod(path, 0o755);
  return { path, log };
}

async function peakConcurrency(concurrency: number): Promise<number> {
  const fake = await loggingFfmpeg(`ffmpeg-${concurrency}`);
  const limited = new FfmpegTranscoder({ binaries: { ...binaries, ffmpeg: fake.path }, concurrency });
  const input = await makeTone(join(dir, `parallel-${concurrency}.wav`), { seconds: 5 });
  const rung = rungFor('vorbis_160')!;
  await Promise.all(
    [1, 2, 3].map((n) => limited.transcode(input, rung, join(dir, `parallel-${concurrency}-${n}.ogg`))),
  );
  const lines = (await readFile(fake.log, 'utf8')).trim().split('\n');
  assert.equal(lines.length, 6);
  const events = lines.map((l) => l.split(' ')).sort((a, b) => (BigInt(a[1]!) < BigInt(b[1]!) ? -1 : 1));
  let [running, peak] = [0, 0];
  for (const [kind] of events) {
    running += kind === 'start' ? 1 : -1;
    peak = Math.max(peak, running);
  }
  return peak;
}

test('the semaphore caps how many ffmpeg processes run at once', async () => {
  assert.equal(await peakConcurrency(1), 1);
  assert.equal(await peakConcurrency(2), 2);
});

/**
 * A stand-in ffmpeg that announces its pid (in `<name>.pid`) and then waits for `<name>.go` before it
 * becomes the real one, so the test reads the process's priority while it certainly runs.
 */
async function gatedFfmpeg(name: string): Promise<{ path: string; pid: string; go: string }> {
  const [path, pid, go] = ['sh', 'pid', 'go'].map((ext) => join(dir, `${name}.${ext}`)) as [string, string, string];
  const script = `#!/bin/sh\necho $$ > ${pid}.tmp && mv ${pid}.tmp ${pid}\nwhile [ ! -e ${go} ]; do sleep 0.02; done\nexec ${checker.ffmpeg} "$@"\n`;
  await writeFile(path, script);
  await chmod(path, 0o755);
  return { path, pid, go };
}

async function announcedPid(path: string): Promise<number> {
  for (let waited = 0; waited < 60_000; waited += 20) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.trim() !== '') return Number(text);
    await sleep(20);
  }
  throw new Error(`no pid in ${path}`);
}

test('background work runs at the lowest CPU priority, the rest at the server’s own', async () => {
  const input = await makeTone(join(dir, 'priority.wav'), { seconds: 2 });
  const calls: Record<string, (m: FfmpegTranscoder, o: RunOptions | undefined) => Promise<unknown>> = {
    transcode: (m, o) => m.transcode(input, rungFor('vorbis_96')!, join(dir, `priority-${Math.random()}.ogg`), o),
    verifyDecodes: (m, o) => m.verifyDecodes(input, o),
    measureLoudness: (m, o) => m.measureLoudness(input, o),
    silenceRatio: (m, o) => m.silenceRatio(input, 2000, o),
  };
  const own = getPriority();
  for (const [name, call] of Object.entries(calls)) {
    for (const options of [{ background: true }, undefined, { background: false }]) {
      const gate = await gatedFfmpeg(`priority-${name}-${options?.background}`);
      const gated = new FfmpegTranscoder({ binaries: { ...binaries, ffmpeg: gate.path }, concurrency: 1 });
      const done = call(gated, options);
      const niceness = getPriority(await announcedPid(gate.pid));
      await writeFile(gate.go, '');
      await done;
      assert.equal(niceness, options?.background ? 19 : own, `${name} with ${JSON.stringify(options)}`);
    }
  }
});

test('a transcode clears what a killed encoder left of the same object, not what a running one writes', async () => {
  const folder = await mkdtemp(join(dir, 'stale-'));
  const input = await makeTone(join(dir, 'stale.wav'), { seconds: 2 });
  const [stale, running, other] = [
    '.vorbis_96.ogg.dead01.part',
    '.vorbis_96.ogg.live01.part',
    '.aac_128.m4a.dead02.part',
  ];
  for (const name of [stale, running, other]) await writeFile(join(folder, name), 'partial');
  const hourAgo = new Date(Date.now() - 3_600_000);
  await utimes(join(folder, stale), hourAgo, hourAgo);
  await utimes(join(folder, other), hourAgo, hourAgo);
  await media.transcode(input, rungFor('vorbis_96')!, join(folder, 'vorbis_96.ogg'));
  assert.deepEqual((await readdir(folder)).sort(), [other, running, 'vorbis_96.ogg'].sort());
});

test('a rung made for a waiting listener starts at the server’s priority, then yields to newer ones and to background work', async () => {
  const input = await makeTone(join(dir, 'urgent.wav'), { seconds: 2 });
  const gate = await gatedFfmpeg('urgent');
  const gated = new FfmpegTranscoder({ binaries: { ...binaries, ffmpeg: gate.path }, concurrency: 1 });
  const done = gated.transcode(input, rungFor('vorbis_96')!, join(dir, 'urgent.ogg'), { urgent: true });
  const pid = await announcedPid(gate.pid);
  assert.equal(getPriority(pid), getPriority(), 'at first, as urgent as the server');
  const changed = async (from: number) => {
    for (let waited = 0; getPriority(pid) === from && waited < 15_000; waited += 50) await sleep(50);
    return getPriority(pid);
  };
  // Then behind a newer first request, still ahead of background work; and, running on, beside it.
  assert.equal(await changed(getPriority()), 10);
  assert.equal(await changed(10), 19);
  await writeFile(gate.go, '');
  await done;
});

test('a transcode that fails leaves nothing at the output path', async () => {
  const fake = await loggingFfmpeg('ffmpeg-fails', 1);
  const failing = new FfmpegTranscoder({ binaries: { ...binaries, ffmpeg: fake.path }, concurrency: 1 });
  const folder = await mkdtemp(join(dir, 'out-'));
  const output = join(folder, 'vorbis_96.ogg');
  const input = await makeTone(join(dir, 'fails.wav'), { seconds: 2 });
  await assert.rejects(failing.transcode(input, rungFor('vorbis_96')!, output), /ffmpeg failed/);
  assert.equal((await readFile(fake.log, 'utf8')).match(/end/g)?.length, 1, 'ffmpeg ran to completion');
  assert.deepEqual(await readdir(folder), []);
  await assert.rejects(stat(output), { code: 'ENOENT' });
});

test('a lossy rung whose source facts are known is made without ffprobe, to the same bytes', async () => {
  const input = await makeTone(join(dir, 'known.flac'), { seconds: 3, channels: 1 });
  const noProbe = new FfmpegTranscoder({ binaries: { ...binaries, ffprobe: '/bin/false' }, concurrency: 1 });
  const source = { channels: 1, durationMs: 3000 };
  const [known, probed] = [join(dir, 'known.ogg'), join(dir, 'probed.ogg')];
  await noProbe.transcode(input, rungFor('vorbis_96')!, known, { urgent: true, source });
  await media.transcode(input, rungFor('vorbis_96')!, probed, { urgent: true });
  assert.ok((await readFile(known)).equals(await readFile(probed)), 'the mono source is made stereo either way');
  assert.equal((await ffprobe(known)).streams[0]!.channels, 2);
  // Without the facts, or for the FLAC rung (its depth and rate come from the probe), ffprobe is needed.
  await assert.rejects(noProbe.transcode(input, rungFor('vorbis_96')!, join(dir, 'unknown.ogg')), MediaError);
  await assert.rejects(noProbe.transcode(input, rungFor('flac')!, join(dir, 'known.flac.out'), { source }), MediaError);
});

const FIXTURES = '/work/shared/data/audio';
for (const folder of ['galway-cc-by', 'tagged-fixtures']) {
  test(`every audio file in ${folder} probes and decodes`, async (t) => {
    const path = join(FIXTURES, folder);
    if (!existsSync(path)) return t.skip(`${path} is not present`);
    for (const name of await readdir(path)) {
      const file = join(path, name);
      const ext = extname(name).slice(1);
      if (ext === 'md') {
        assert.equal(await rejection(media.probe(file)), 'not a readable audio file');
        continue;
      }
      const probed = await media.probe(file);
      await media.verifyDecodes(file);
      assert.equal(probed.lossless, ['flac', 'wav', 'aiff', 'wv'].includes(ext), `${name}: ${probed.codec}`);
      const named = /(\d)c-(\d+)hz/.exec(name);
      // Opus always decodes at 48 kHz, whatever rate the file name claims.
      if (named)
        assert.deepEqual(
          [probed.channels, probed.sampleRate],
          [Number(named[1]), ext === 'opus' ? 48000 : Number(named[2])],
        );
      const expectedSeconds = folder === 'galway-cc-by' ? 16 : 1;
      assert.ok(Math.abs(probed.durationMs / 1000 - expectedSeconds) < 0.6, `${name}: ${probed.durationMs} ms`);
    }
  });
}
