/** The peer's SETTINGS (RFC 9113 6.5.2), checked and applied to the connection's HPACK encoder and flow control. */
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, MAX_MAX_FRAME_SIZE, MAX_WINDOW, Setting } from "./constants.js";
import type { FlowControl } from "./flow-control.js";
import type { HpackEncoder } from "./hpack/index.js";
import type { StreamCore } from "./stream-core.js";

export interface SettingsTarget<S extends StreamCore> {
  readonly isServer: boolean;
  readonly flow: FlowControl<S>;
  readonly encoder: HpackEncoder;
  peerMaxConcurrent: number;
  peerMaxHeaderListSize: number;
  openStreams(): S[];
}

export interface SettingsError {
  code: number;
  message: string;
}

/** Applies a SETTINGS payload; the first invalid value ends it with the connection error to send. */
export function applySettings<S extends StreamCore>(
  target: SettingsTarget<S>, buf: Buffer, off: number, len: number,
): SettingsError | null {
  const flow = target.flow;
  for (let p = off; p < off + len; p += 6) {
    const value = buf.readUInt32BE(p + 2);
    switch (buf.readUInt16BE(p)) {
      case Setting.HEADER_TABLE_SIZE:
        target.encoder.setMaxTableSize(value); // the encoder caps it at its own limit (4096)
        break;
      case Setting.ENABLE_PUSH:
        if (value > 1 || (value === 1 && !target.isServer)) {
          return { code: ErrorCode.PROTOCOL_ERROR, message: "invalid SETTINGS_ENABLE_PUSH" };
        }
        break;
      case Setting.MAX_CONCURRENT_STREAMS:
        target.peerMaxConcurrent = value;
        break;
      case Setting.INITIAL_WINDOW_SIZE: {
        if (value > MAX_WINDOW) return { code: ErrorCode.FLOW_CONTROL_ERROR, message: "SETTINGS_INITIAL_WINDOW_SIZE too large" };
        const delta = value - flow.peerInitialWindow;
        flow.peerInitialWindow = value;
        // The change applies to every open stream's window, retroactively (RFC 9113 6.9.2).
        for (const stream of target.openStreams()) {
          stream.sendWindow += delta;
          if (stream.sendWindow > MAX_WINDOW) return { code: ErrorCode.FLOW_CONTROL_ERROR, message: "stream window overflow" };
        }
        break;
      }
      case Setting.MAX_FRAME_SIZE:
        if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
          return { code: ErrorCode.PROTOCOL_ERROR, message: "invalid SETTINGS_MAX_FRAME_SIZE" };
        }
        flow.peerMaxFrameSize = value;
        break;
      case Setting.MAX_HEADER_LIST_SIZE:
        target.peerMaxHeaderListSize = value;
        break;
      default:
        break; // unknown settings are ignored (RFC 9113 6.5.2)
    }
  }
  return null;
}
