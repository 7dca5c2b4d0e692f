/** Promise wrapper around one call on a ClientSession, collecting everything the handler hears. */
import net from "node:net";
import type { ClientSession, ClientStream, HeaderMap } from "../../../src/engine/types.js";
import type { Metadata } from "../../../src/protocol/metadata.js";
import { H2ClientEngine } from "../../../src/engine/h2/index.js";
import type { H2Tuning } from "../../../src/engine/h2/tuning.js";

export interface CallResult {
  status: number | undefined;
  headers: HeaderMap | undefined;
  trailersOnly: boolean;
  trailers: HeaderMap | undefined;
  body: Buffer;
  resetCode: number | null;
  error: Error | undefined;
}

export function startCall(
  session: ClientSession, path: string, messages: Uint8Array[], metadata: Metadata = {}, end = true,
): { stream: ClientStream; done: Promise<CallResult> } {
  let resolve: (r: CallResult) => void = () => {};
  const done = new Promise<CallResult>((r) => (resolve = r));
  const result: CallResult = {
    status: undefined, headers: undefined, trailersOnly: false, trailers: undefined, body: Buffer.alloc(0),
    resetCode: null, error: undefined,
  };
  const chunks: Buffer[] = [];
  const stream = session.request(path, metadata, {
    onHeaders(status, headers, endStream) {
      result.status = status;
      result.headers = headers;
      result.trailersOnly = endStream;
    },
    onData(chunk) {
      chunks.push(Buffer.from(chunk));
    },
    onTrailers(trailers) {
      result.trailers = trailers;
    },
    onClose(code, error) {
      result.resetCode = code;
      result.error = error;
      result.body = Buffer.concat(chunks);
      resolve(result);
    },
  });
  messages.forEach((m, i) => stream.sendMessage(m, end && i === messages.length - 1));
  if (messages.length === 0 && end) stream.end();
  return { stream, done };
}

export function call(session: ClientSession, path: string, messages: Uint8Array[], metadata: Metadata = {}): Promise<CallResult> {
  return startCall(session, path, messages, metadata).done;
}

export async function connectClient(port: number, tuning?: Partial<H2Tuning>): Promise<{
  session: ClientSession; socket: net.Socket; closed: Promise<Error | undefined>; goaways: number[];
}> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.setNoDelay(true);
  let onClosed: (e: Error | undefined) => void = () => {};
  const closed = new Promise<Error | undefined>((r) => (onClosed = r));
  const goaways: number[] = [];
  const session = new H2ClientEngine(tuning).connect(socket, { authority: `127.0.0.1:${port}` }, {
    onGoaway: () => goaways.push(Date.now()),
    onClose: (e) => onClosed(e),
  });
  return { session, socket, closed, goaways };
}
