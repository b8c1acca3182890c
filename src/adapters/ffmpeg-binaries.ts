import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Which FFmpeg to run: an explicit path from config, else the system's `ffmpeg`/`ffprobe` on PATH
 * (Debian's package), else the static build shipped by the npm packages @ffmpeg-installer/ffmpeg and
 * @ffprobe-installer/ffprobe.
 */
export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
  source: 'config' | 'system' | 'npm';
}

const require = createRequire(import.meta.url);

function onPath(name: string): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', `command -v ${name}`])
        .toString()
        .trim() || undefined
    );
  } catch {
    return undefined;
  }
}

let cached: FfmpegBinaries | undefined;

export function findFfmpeg(explicit: { ffmpeg?: string; ffprobe?: string } = {}): FfmpegBinaries {
  if (explicit.ffmpeg && explicit.ffprobe)
    return { ffmpeg: explicit.ffmpeg, ffprobe: explicit.ffprobe, source: 'config' };
  if (cached) return cached;
  const systemFfmpeg = onPath('ffmpeg');
  const systemFfprobe = onPath('ffprobe');
  if (systemFfmpeg && systemFfprobe) {
    cached = { ffmpeg: systemFfmpeg, ffprobe: systemFfprobe, source: 'system' };
  } else {
    const ffmpeg = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    const ffprobe = (require('@ffprobe-installer/ffprobe') as { path: string }).path;
    cached = { ffmpeg, ffprobe, source: 'npm' };
  }
  return cached;
}
