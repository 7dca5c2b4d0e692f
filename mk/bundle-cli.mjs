// Bundles the command lines (fastgrpc-server, -client, -bench) and the threads they start into dist/bin/, from the
// JavaScript tsc wrote to dist/src/. Why: each process of fastgrpc-server then loads a few files instead of ~200 ES
// modules (node's module loader, the CommonJS interop for pino, one module record per file), which took 11 MB off
// the idle RSS of one serving process (79 -> 68 MB) and 5.5 MB off each worker; calls/s did not change
// (docs/benchmarks.md §14). The library (dist/src, the package's exports) stays unbundled.
//
// Chunks are split at the dynamic imports, so a role loads only what it runs: a multi-worker primary never loads the
// server or protobuf-es (server-main.ts). All files land in one folder, so the threads' entries resolve as in
// dist/src: `new URL("./signing-thread.js", import.meta.url)` and "./worker-main.js" are entries here too, and the
// vsock addon's "../../native/vsock/" is the package's native/ folder from dist/bin/ as from dist/src/transport/.
//
//   node mk/bundle-cli.mjs          (make build runs it after tsc)
import { build } from "esbuild";
import { readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/bin`;

// protobuf-es decodes the descriptors the generated files embed with a JavaScript loop when the runtime has no
// Uint8Array.prototype.setFromBase64 (node 24 has none); V8 then sometimes compiles that start-up loop with TurboFan,
// which left ~5 MB more of node's code resident in that process (docs/benchmarks.md §14). Give it node's native
// decoder for canonical base64 (src/runtime/native-base64.ts); it falls back to its loop for anything else.
const PROTOBUF_BASE64_LINE = "const nativeSetFromBase64 = Uint8Array.prototype.setFromBase64;";
const nativeBase64ForProtobufEs = {
  name: "native-base64-for-protobuf-es",
  setup(bundle) {
    bundle.onLoad({ filter: /@bufbuild[\\/]protobuf[\\/]dist[\\/]esm[\\/]wire[\\/]base64-encoding\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (!source.includes(PROTOBUF_BASE64_LINE)) {
        throw new Error(`${args.path} no longer has "${PROTOBUF_BASE64_LINE}": protobuf-es changed its decoder, see mk/bundle-cli.mjs`);
      }
      const decoder = JSON.stringify(`${root}dist/src/runtime/native-base64.js`);
      return {
        contents: `import { setFromCanonicalBase64 } from ${decoder};\n${source.replace(PROTOBUF_BASE64_LINE,
          "const nativeSetFromBase64 = Uint8Array.prototype.setFromBase64 ?? setFromCanonicalBase64;")}`,
        loader: "js",
        resolveDir: dirname(args.path),
      };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: [
    "dist/src/cli/server.js",
    "dist/src/cli/client.js",
    "dist/src/cli/bench.js",
    "dist/src/crypto/signing-thread.js",
    "dist/src/loadgen/worker-main.js",
  ],
  outdir,
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  // CommonJS dependencies (pino) call require() for node's own modules; an ES module has no require of its own.
  banner: { js: 'import { createRequire as fastgrpcCreateRequire } from "node:module";\nconst require = fastgrpcCreateRequire(import.meta.url);' },
  // Optional at run time: the proto-file reader loads it only when a .proto is given, from the user's node_modules.
  external: ["protobufjs", "protobufjs/*"],
  sourcemap: "linked",
  legalComments: "eof",
  logLevel: "warning",
  plugins: [nativeBase64ForProtobufEs],
});
