/** What FFmpeg (or any other media toolkit) must do for the ingest pipeline. */

export type Quality = 'vorbis_24' | 'vorbis_96' | 'vorbis_160' | 'vorbis_320' | 'aac_128' | 'aac_256' | 'flac';

export interface Rung {
  quality: Quality;
  codec: 'vorbis' | 'aac' | 'flac';
  /** Target bitrate in kbps; null for lossless. */
  bitrateKbps: number | null;
  container: 'ogg' | 'mp4' | 'flac';
  extension: 'ogg' | 'm4a' | 'flac';
  mimeType: string;
  /** Premium-only rungs are above the free tier's 160 kbps ceiling. */
  premium: boolean;
}

export interface ProbeResult {
  /** Container format name as the prober reports it, e.g. "mp3", "flac", "ogg". */
  formatName: string;
  codec: string;
  durationMs: number;
  sampleRate: number;
  channels: number;
  /** Source bitrate in bits per second, when known. */
  bitRate: number | null;
  lossless: boolean;
}

export interface Loudness {
  integratedLufs: number;
  truePeakDbtp: number;
}

export interface RunOptions {
  /** Background work (a lazy library's ladder): the process runs at the lowest CPU priority. */
  background?: boolean;
}

export interface TranscodeOptions extends RunOptions {
  /** A listener is waiting (a rung's first request): start now, ahead of queued work. */
  urgent?: boolean;
  /** Told the temporary file the output is written to, once the encoder has started. */
  onPartial?: (partialPath: string) => void;
  /**
   * The source's channels and length when the caller already knows them (a lazy source's pointer, read
   * from its header at import): a lossy rung then starts without probing the file first.
   */
  source?: { channels: number; durationMs: number };
}

export interface Transcoder {
  /** Reads the audio stream's properties; throws MediaError when the file is not decodable audio. */
  probe(path: string): Promise<ProbeResult>;
  /** Decodes the whole file; throws MediaError when it is truncated or corrupt. */
  verifyDecodes(path: string, options?: RunOptions): Promise<void>;
  /** Writes one ladder rung of `input` to `output` (overwrites). */
  transcode(input: string, rung: Rung, output: string, options?: TranscodeOptions): Promise<void>;
  /** EBU R128 integrated loudness and true peak of the whole file. */
  measureLoudness(input: string, options?: RunOptions): Promise<Loudness>;
  /** Fraction (0..1) of the file that is digital silence below -60 dBFS. */
  silenceRatio(input: string, durationMs: number, options?: RunOptions): Promise<number>;
}
