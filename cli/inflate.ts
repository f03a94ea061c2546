/** Node's own gzip and deflate for the commands' loads (zlib in native code, several times faster than the portable fflate). */
import { DecompressionStream } from 'node:stream/web';
import { streamInflater, type DecompressionStreamConstructor } from '../src/data/inflate';

/** The Inflater the commands give parseFer2013. */
export const nodeInflate = streamInflater(DecompressionStream as unknown as DecompressionStreamConstructor);
