/**
 * The first stage of a load: the file's byte chunks turned into CSV bytes. What the file is comes from its first
 * bytes, not its name: gzip (1f 8b, or forced) is inflated as a stream; inside it, or bare, a tar archive (a valid tar
 * header) gives up its CSV member; so does a ZIP archive (50 4b 03 04); anything else is the CSV itself. UTF-16 text is
 * refused by its byte-order mark.
 */
import { isGzip, isZip, tarChecksumOk, tarCsv, zipCsv, type ArchiveSource } from './archive';
import { ByteReader, SourceFault } from './byteReader';
import { inflated, type Inflater } from './inflate';

export { SourceFault } from './byteReader';

/** What the source turned out to be; filled in as the bytes are read. */
export interface SourceInfo {
  gzip: boolean;
  archive: ArchiveSource | null;
}

/** Options of csvBytes. */
export interface CsvByteOptions {
  /** Force gzip on or off; by default it is detected from the magic bytes 1f 8b. */
  readonly gzip?: boolean;
  /** The decompressor for gzip and ZIP members (src/data/inflate.ts). */
  readonly inflate: Inflater;
}

/**
 * The CSV bytes of a file given as chunks, chunk by chunk (views; nothing is modified); `info` says what the file was.
 * A file that is not CSV, or a broken gzip or archive, throws a SourceFault; errors of `chunks` pass through.
 */
export async function* csvBytes(
  chunks: AsyncIterable<Uint8Array>,
  opts: CsvByteOptions,
  info: SourceInfo,
): AsyncGenerator<Uint8Array> {
  const reader = new ByteReader(chunks);
  try {
    await reader.fill(4);
    const head = reader.peek(4);
    info.gzip = opts.gzip ?? isGzip(head);
    if (info.gzip) {
      const inner = new ByteReader(inflated(opts.inflate, 'gzip', reader.rest(), 'gzip file'));
      try {
        yield* unpacked(inner, opts.inflate, info, true);
      } finally {
        await inner.close();
      }
      return;
    }
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
      throw new SourceFault('format', 'not a UTF-8 CSV file: the text is UTF-16; save it as UTF-8');
    }
    yield* unpacked(reader, opts.inflate, info, false);
  } finally {
    await reader.close();
  }
}

/** The CSV in bytes that are no longer gzip: a tar's or a ZIP's member, or the bytes themselves. */
async function* unpacked(
  reader: ByteReader,
  inflate: Inflater,
  info: SourceInfo,
  inGzip: boolean,
): AsyncGenerator<Uint8Array> {
  const found = (source: ArchiveSource): void => {
    info.archive = source;
  };
  await reader.fill(4);
  if (isZip(reader.peek(4))) {
    if (inGzip)
      throw new SourceFault(
        'archive',
        'not a FER2013 file: this gzip file holds a ZIP archive; unpack the gzip file and load the ZIP inside',
      );
    yield* zipCsv(reader, inflate, found);
    return;
  }
  await reader.fill(512);
  const block = reader.peek(512);
  // An empty tar is only its end: zero blocks.
  if (tarChecksumOk(block) || (block.length === 512 && block.every((b) => b === 0))) {
    yield* tarCsv(reader, found);
    return;
  }
  if (inGzip && isGzip(reader.peek(4))) {
    // A gzip inside a gzip (fer2013.csv.gz.gz) is a nested archive, not a multi-member file: fflate would read on into it.
    throw new SourceFault(
      'archive',
      'not a FER2013 file: this gzip file holds another gzip file; unpack it once and load what it holds',
    );
  }
  yield* reader.rest();
}
