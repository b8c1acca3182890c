import { type FileHandle, open } from 'node:fs/promises';
import { AbstractTokenizer, EndOfStreamError, type IReadChunkOptions } from 'strtok3';

/** Bytes read at a time: the head of a file (tags, first frames) usually fits in one block. */
const BLOCK = 64 * 1024;
/** Blocks kept per file; reading tags touches a handful (head, tail, a few samples). */
const KEPT_BLOCKS = 8;

/**
 * A file read in 64 KiB blocks that are kept while it is open. Parsers that read a few bytes at a
 * time (music-metadata reads tags atom by atom and frame by frame) then cost one system call per
 * block instead of one per field: about half the CPU for an MP3 or M4A file.
 */
export class BlockFile {
  private readonly blocks = new Map<number, Buffer>();

  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<BlockFile> {
    const handle = await open(path, 'r');
    try {
      return new BlockFile(handle, (await handle.stat()).size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  private async block(start: number): Promise<Buffer> {
    const kept = this.blocks.get(start);
    if (kept) return kept;
    const buffer = Buffer.allocUnsafe(Math.min(BLOCK, this.size - start));
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, start);
    const block = buffer.subarray(0, bytesRead);
    if (this.blocks.size >= KEPT_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    this.blocks.set(start, block);
    return block;
  }

  /** Copies bytes [position, position + length) into `target` at `offset`; fewer at the end of the file. */
  async readInto(target: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    const end = Math.min(position + length, this.size);
    if (end - position > 2 * BLOCK) {
      // A large read (cover art, a whole table) goes straight to the target.
      const { bytesRead } = await this.handle.read(target, offset, end - position, position);
      return bytesRead;
    }
    let done = 0;
    while (position + done < end) {
      const at = position + done;
      const start = at - (at % BLOCK);
      const block = await this.block(start);
      const n = Math.min(end - at, block.length - (at - start));
      if (n <= 0) break;
      target.set(block.subarray(at - start, at - start + n), offset + done);
      done += n;
    }
    return done;
  }

  /** Bytes [position, position + length), fewer at the end of the file. */
  async at(position: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.size - position)));
    const n = await this.readInto(buffer, 0, buffer.length, position);
    return buffer.subarray(0, n);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * A strtok3 tokenizer over a BlockFile, for music-metadata's `parseFromTokenizer`. It names no path,
 * so music-metadata picks its parser from the content rather than the extension.
 */
export class BlockFileTokenizer extends AbstractTokenizer {
  readonly fileInfo: { size: number };

  constructor(private readonly file: BlockFile) {
    super();
    this.fileInfo = { size: file.size };
  }

  supportsRandomAccess(): boolean {
    return true;
  }

  setPosition(position: number): void {
    this.position = position;
  }

  async readBuffer(buffer: Uint8Array, options?: IReadChunkOptions): Promise<number> {
    const read = await this.peekBuffer(buffer, options);
    this.position = (options?.position ?? this.position) + read;
    return read;
  }

  async peekBuffer(buffer: Uint8Array, options?: IReadChunkOptions): Promise<number> {
    const { length, position, mayBeLess } = this.normalizeOptions(buffer, options);
    const read = await this.file.readInto(buffer, 0, length, position);
    if (!mayBeLess && read < length) throw new EndOfStreamError();
    return read;
  }
}

/** A window over a file, moved in steps of `stepBytes`, so hopping over frame headers reads in bulk. */
export class FileWindow {
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;
  readonly size: number;

  constructor(
    private readonly file: BlockFile,
    private readonly stepBytes: number,
  ) {
    this.size = file.size;
  }

  /** Bytes [position, position + length), fewer at the end of the file. */
  async at(position: number, length: number): Promise<Buffer> {
    const end = Math.min(position + length, this.size);
    if (position < this.start || end > this.start + this.buffer.length) {
      this.buffer = await this.file.at(position, Math.max(length, this.stepBytes));
      this.start = position;
    }
    return this.buffer.subarray(position - this.start, end - this.start);
  }
}

export function withWindow<T>(file: BlockFile, use: (w: FileWindow) => Promise<T>, stepBytes = 1 << 20): Promise<T> {
  return use(new FileWindow(file, stepBytes));
}
