/**
 * The download client of perf/download-throughput.ts on @grpc/grpc-js instead of fastgrpc: a second client, to see
 * whether fastgrpc's client is what limits a download. Messages are taken as the raw bytes grpc-js hands over (no
 * protobuf decode, each checked for its expected size), so this is the least grpc-js can do per message. Same
 * output line as download-throughput.ts; perf/download-compare.sh runs it with CLIENT_ENGINE=grpc-js.
 *
 *   taskset -c 1 node dist/perf/download-grpc-js-client.js PORT TOTAL_BYTES SIZE
 */
// The same start-up settings as the fastgrpc client it is compared with (runtime/large-message-restart.ts).
import "../src/cli/restart-for-large-messages.js";
import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { DownloadRequestSchema } from "../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { capYoungGeneration } from "../src/runtime/young-generation.js";
import { timeDownload } from "./download-timing.js";

capYoungGeneration(); // as the fastgrpc client does (in effect only where the restart could not happen)

const [portText, totalText, sizeText] = process.argv.slice(2);
const port = Number(portText);
const total = Number(totalText ?? 2 ** 30);
const size = Number(sizeText ?? 65536);
if (!Number.isInteger(port) || !Number.isInteger(total) || !Number.isInteger(size) || size < 1 || total < size) {
  console.error("usage: download-grpc-js-client.js PORT TOTAL_BYTES SIZE");
  process.exit(2);
}
const count = Math.floor(total / size);
/** A DownloadResponse of `size` payload bytes: tag, length varint, payload. */
let varintBytes = 1;
for (let rest = size; rest >= 0x80; rest = Math.floor(rest / 0x80)) varintBytes++;
const messageBytes = 1 + varintBytes + size;
const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
  "grpc.max_receive_message_length": 16 * 1024 * 1024,
});

function download(messages: number): Promise<number> {
  const request = Buffer.from(toBinary(DownloadRequestSchema, create(DownloadRequestSchema, { count: messages, messageBytes: size })));
  return new Promise((resolve, reject) => {
    let received = 0;
    const call = client.makeServerStreamRequest(
      "/fastgrpc.echo.v1.EchoService/Download",
      (value: Buffer) => value,
      (value: Buffer) => value,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + 300_000 },
    );
    call.on("data", (message: Buffer) => {
      if (message.length !== messageBytes) {
        call.cancel();
        reject(new Error(`message of ${message.length} bytes, expected ${messageBytes}`));
        return;
      }
      received++;
    });
    call.on("error", reject);
    call.on("end", () => (received === messages ? resolve(received * size) : reject(new Error(`got ${received} of ${messages} messages`))));
  });
}

await timeDownload("download-grpc-js-client", size, total, count, download, () => client.close());
