// Decodes an HTTP body by its Content-Encoding (gzip, br, deflate or none).
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

export function decode({ headers, body }) {
  switch ((headers['content-encoding'] || '').trim()) {
    case 'gzip': return gunzipSync(body);
    case 'br': return brotliDecompressSync(body);
    case 'deflate': return inflateSync(body);
    case '': case 'identity': return body;
    default: throw new Error(`unknown content-encoding ${headers['content-encoding']}`);
  }
}
