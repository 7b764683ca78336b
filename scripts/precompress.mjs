// Writes FILE.br (brotli, quality 11) next to each FILE given; build.sh writes
// FILE.gz with gzip -9 (a few per cent smaller than node's zlib at level 9).
// The server's static-file handler (leptos_axum, tower-http ServeDir) sends these
// to browsers that accept the encoding; without them the WASM goes out uncompressed.
// Usage: node scripts/precompress.mjs FILE...
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';

for (const file of process.argv.slice(2)) {
  const data = readFileSync(file);
  const params = {
    [constants.BROTLI_PARAM_QUALITY]: 11,
    [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
  };
  writeFileSync(`${file}.br`, brotliCompressSync(data, { params }));
}
