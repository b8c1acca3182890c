/**
 * A radix-2 FFT for the feature extractor: the magnitude spectrum of one Hann-windowed frame. Tables
 * (bit reversal, twiddles, window) are built once per size and reused for every frame of a track.
 */
export class Spectrum {
  readonly bins: number;
  private readonly window: Float64Array;
  private readonly reversed: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(readonly size: number) {
    if (size < 2 || (size & (size - 1)) !== 0) throw new RangeError('FFT size must be a power of two');
    this.bins = size / 2 + 1;
    this.window = new Float64Array(size);
    for (let i = 0; i < size; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
    const bits = Math.log2(size);
    this.reversed = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
    this.cos = new Float64Array(size / 2);
    this.sin = new Float64Array(size / 2);
    for (let i = 0; i < size / 2; i++) {
      this.cos[i] = Math.cos((-2 * Math.PI * i) / size);
      this.sin[i] = Math.sin((-2 * Math.PI * i) / size);
    }
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
  }

  /** Writes |X[k]| for k = 0..size/2 of the frame starting at `start` (zero past the end) into `out`. */
  magnitudes(samples: Float32Array, start: number, out: Float64Array): void {
    const { size, re, im, window, reversed } = this;
    for (let i = 0; i < size; i++) {
      const at = start + i;
      re[reversed[i]!] = at < samples.length ? samples[at]! * window[i]! : 0;
      im[i] = 0;
    }
    for (let half = 1; half < size; half *= 2) {
      const step = size / (2 * half);
      for (let group = 0; group < size; group += 2 * half) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step]!;
          const wi = this.sin[k * step]!;
          const a = group + k;
          const b = a + half;
          const tr = wr * re[b]! - wi * im[b]!;
          const ti = wr * im[b]! + wi * re[b]!;
          re[b] = re[a]! - tr;
          im[b] = im[a]! - ti;
          re[a] = re[a]! + tr;
          im[a] = im[a]! + ti;
        }
      }
    }
    for (let k = 0; k < this.bins; k++) out[k] = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
  }
}
