/**
 * HPACK micro-benchmark: ns per header block for the decoder and encoder on typical gRPC headers.
 * Run: node dist/perf/hpack.bench.js [iterations]  (each case: warm-up, then 5 timed runs; the best and median shown)
 */
import { HpackDecoder, HpackEncoder, huffmanDecode, huffmanEncode } from '../src/engine/h2/hpack/index.js';

type Fields = Array<[string, string]>;

const ITERATIONS = Number(process.argv[2] ?? 1_000_000);

const REQUEST: Fields = [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/fastgrpc.echo.v1.EchoService/Echo'],
  [':authority', '127.0.0.1:50051'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
  ['grpc-timeout', '1S'],
  ['user-agent', 'grpc-node-js/1.14.7'],
];
const RESPONSE_HEADERS: Fields = [[':status', '200'], ['content-type', 'application/grpc']];
const TRAILERS: Fields = [['grpc-status', '0']];

let sink = 0;
const onField = (name: string, value: string): void => {
  sink += name.length + value.length;
};

function measure(label: string, iterations: number, run: () => void): void {
  for (let i = 0; i < Math.min(iterations, 200_000); i++) run();
  const results: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    results.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  results.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} best ${results[0]?.toFixed(1).padStart(7)} ns  median ${results[2]?.toFixed(1).padStart(7)} ns`);
}

// Decoder, warm table: the block a client encoder sends once its table holds every field (one index octet each).
{
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decoder.decode(encoder.encode(REQUEST), onField);
  const warm = encoder.encode(REQUEST);
  console.log(`request block: ${REQUEST.length} fields, cold ${new HpackEncoder().encode(REQUEST).length} B, warm ${warm.length} B`);
  measure('decode request, warm table (all indexed)', ITERATIONS, () => decoder.decode(warm, onField));

  // Same, but grpc-timeout changes every call: literal value (Huffman) with a dynamic name reference.
  const varying = encoder.encode(REQUEST.map(([n, v]) => [n, n === 'grpc-timeout' ? '99987u' : v] as [string, string]));
  measure('decode request, warm table, new grpc-timeout value', ITERATIONS, () => decoder.decode(varying, onField));

  // As nghttp2 (h2load) sends it: :path as a Huffman literal without indexing on every request, the rest indexed.
  const path = REQUEST.find(([n]) => n === ':path')?.[1] ?? '';
  const coded = huffmanEncode(path);
  const rest = encoder.encode(REQUEST.filter(([n]) => n !== ':path'));
  const nghttp2Style = Buffer.concat([Buffer.from([0x04, 0x80 | coded.length]), coded, rest]);
  measure('decode request, warm table, :path literal (nghttp2 style)', ITERATIONS, () => decoder.decode(nghttp2Style, onField));
}

// Decoder, cold: a fresh connection's first request (all literals, Huffman), new decoder each time.
{
  const first = new HpackEncoder().encode(REQUEST);
  measure('decode request, cold (new decoder + literals)', ITERATIONS / 5, () => new HpackDecoder().decode(first, onField));
  const raw = new HpackEncoder({ huffman: false }).encode(REQUEST);
  measure('decode request, cold, no Huffman', ITERATIONS / 5, () => new HpackDecoder().decode(raw, onField));
}

// Encoder.
{
  const encoder = new HpackEncoder();
  encoder.encode(REQUEST);
  measure('encode request, warm table', ITERATIONS, () => {
    sink += encoder.encode(REQUEST).length;
  });
  const out = new Uint8Array(16384);
  measure('encodeInto request, warm table (no allocation)', ITERATIONS, () => {
    sink += encoder.encodeInto(REQUEST, out, 9);
  });
  measure('encode response headers, warm table', ITERATIONS, () => {
    sink += encoder.encode(RESPONSE_HEADERS).length;
  });
  measure('encode trailers (grpc-status 0), warm table', ITERATIONS, () => {
    sink += encoder.encode(TRAILERS).length;
  });
  measure('encode request, cold (new encoder)', ITERATIONS / 5, () => {
    sink += new HpackEncoder().encode(REQUEST).length;
  });
}

// Huffman alone.
{
  const text = '/fastgrpc.echo.v1.EchoService/Echo';
  const coded = huffmanEncode(text);
  measure(`huffmanDecode ${coded.length} B -> ${text.length} chars`, ITERATIONS, () => {
    sink += huffmanDecode(coded).length;
  });
  measure(`huffmanEncode ${text.length} chars`, ITERATIONS, () => {
    sink += huffmanEncode(text).length;
  });
}

if (sink === 42) console.log('');
