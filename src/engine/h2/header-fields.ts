/**
 * Header list validation (RFC 9113 8.2, 8.3) as fields come out of the HPACK decoder, without building
 * intermediate objects, plus the helpers that turn gRPC metadata into header fields.
 */
import type { HeaderMap } from "../types.js";
import { emptySlots } from "./empty-slots.js";
import type { Metadata } from "../../protocol/metadata.js";

/** tchar (RFC 9110 5.6.2) minus upper-case letters, which HTTP/2 forbids in field names. */
const NAME_CHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") NAME_CHAR[c.charCodeAt(0)] = 1;

export function isValidFieldName(name: string): boolean {
  const n = name.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || NAME_CHAR[c] === 0) return false;
  }
  return true;
}

/** No NUL, CR or LF anywhere, no leading or trailing space or tab (RFC 9113 8.2.1). */
export function isValidFieldValue(value: string): boolean {
  const n = value.length;
  if (n === 0) return true;
  let c = value.charCodeAt(0);
  if (c === 0x20 || c === 0x09) return false;
  c = value.charCodeAt(n - 1);
  if (c === 0x20 || c === 0x09) return false;
  for (let i = 0; i < n; i++) {
    c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
  }
  return true;
}

/** Positions in a header block whose last validated field is remembered. */
const VALIDATED_SLOTS = 8;
/** The slots of a collector that has seen no regular field yet: shared, never written (onField makes its own). */
const NOT_VALIDATED: Array<string | undefined> = emptySlots<string | undefined>(undefined);

/** Field names that only mean something on a single HTTP/1.1 connection (RFC 9113 8.2.2). */
function isConnectionSpecific(name: string): boolean {
  switch (name) {
    case "connection":
    case "proxy-connection":
    case "keep-alive":
    case "transfer-encoding":
    case "upgrade":
      return true;
    default:
      return false;
  }
}

/** Parses a content-length value; -2 for an invalid one. */
function parseContentLength(value: string): number {
  if (value.length === 0 || value.length > 15) return -2;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return -2;
  }
  return Number(value);
}

/**
 * Collects one header block's fields and checks them as they are decoded. One instance per connection, reset
 * before each block, so decoding a block allocates only the strings the decoder produces and one array.
 */
export class FieldCollector {
  /**
   * Regular fields as a flat [name, value, name, value...] list in the first `fieldCount` slots. The array is reused
   * from block to block (it keeps its capacity); takeFields() copies out an exactly sized list.
   */
  private readonly fields: string[] = [];
  private fieldCount = 0;
  method: string | undefined;
  scheme: string | undefined;
  path: string | undefined;
  authority: string | undefined;
  status: string | undefined;
  contentLength = -1;
  listSize = 0;
  /** The decoded list passed the soft limit: fields are no longer stored, the message is refused. */
  tooLarge = false;
  /** Why the block is malformed, or null. */
  malformed: string | null = null;
  private sawRegular = false;
  /** Regular fields that passed validation, by their position in the block (see onField). */
  private validNames: Array<string | undefined> = NOT_VALIDATED;
  private validValues: Array<string | undefined> = NOT_VALIDATED;
  /** The last content-length text and what it parsed to. */
  private lastLengthText: string | undefined;
  private lastLength = -2;
  private mode: "request" | "response" | "trailers" = "request";

  constructor(private readonly maxListSize: number) {}

  reset(mode: "request" | "response" | "trailers"): void {
    this.fieldCount = 0;
    this.method = this.scheme = this.path = this.authority = this.status = undefined;
    this.contentLength = -1;
    this.listSize = 0;
    this.tooLarge = false;
    this.malformed = null;
    this.sawRegular = false;
    this.mode = mode;
  }

  readonly onField = (name: string, value: string): void => {
    this.listSize += name.length + value.length + 32;
    if (this.listSize > this.maxListSize) {
      this.tooLarge = true;
      this.fieldCount = 0;
      return;
    }
    if (this.tooLarge || this.malformed !== null) return;
    if (name.charCodeAt(0) === 58 /* : */) {
      if (this.sawRegular) return this.fail(`pseudo-header ${name} after regular fields`);
      this.pseudo(name, value);
      return;
    }
    this.sawRegular = true;
    const at = this.fieldCount >>> 1;
    // The same field at the same place as in an earlier block (the same strings, from the HPACK tables or the
    // literal cache) passed these checks then; only new fields are scanned character by character.
    if (at >= VALIDATED_SLOTS || this.validNames[at] !== name || this.validValues[at] !== value) {
      if (!isValidFieldName(name)) return this.fail(`invalid field name "${name}"`);
      if (!isValidFieldValue(value)) return this.fail(`invalid value for field "${name}"`);
      if (isConnectionSpecific(name)) return this.fail(`connection-specific field "${name}"`);
      if (at < VALIDATED_SLOTS) {
        if (this.validNames === NOT_VALIDATED) { // the first regular field of the connection: no slots until now
          this.validNames = new Array<string | undefined>(VALIDATED_SLOTS).fill(undefined);
          this.validValues = new Array<string | undefined>(VALIDATED_SLOTS).fill(undefined);
        }
        this.validNames[at] = name;
        this.validValues[at] = value;
      }
    }
    if (name === "te" && value !== "trailers") return this.fail(`te must be "trailers"`);
    if (name === "content-length") {
      // Clients that send it mostly send the same value every time (same message size): parse each value once.
      const n = this.lastLengthText === value ? this.lastLength : parseContentLength(value);
      this.lastLengthText = value;
      this.lastLength = n;
      if (n < 0 || (this.contentLength >= 0 && n !== this.contentLength)) return this.fail("invalid content-length");
      this.contentLength = n;
    }
    const f = this.fields;
    const n = this.fieldCount;
    if (n < f.length) {
      f[n] = name;
      f[n + 1] = value;
    } else {
      f.push(name, value);
    }
    this.fieldCount = n + 2;
  };

  /** A copy of the collected regular fields (the collector's own list is reused by the next block). */
  takeFields(): string[] {
    return this.fields.slice(0, this.fieldCount);
  }

  private pseudo(name: string, value: string): void {
    if (this.mode === "trailers") return this.fail(`pseudo-header ${name} in trailers`);
    if (this.mode === "response") {
      if (name !== ":status" || this.status !== undefined) return this.fail(`unexpected pseudo-header ${name}`);
      this.status = value;
      return;
    }
    switch (name) {
      case ":method":
        if (this.method !== undefined) return this.fail("duplicate :method");
        this.method = value;
        return;
      case ":scheme":
        if (this.scheme !== undefined) return this.fail("duplicate :scheme");
        this.scheme = value;
        return;
      case ":path":
        if (this.path !== undefined) return this.fail("duplicate :path");
        this.path = value;
        return;
      case ":authority":
        if (this.authority !== undefined) return this.fail("duplicate :authority");
        this.authority = value;
        return;
      default:
        return this.fail(`unexpected pseudo-header ${name}`);
    }
  }

  private fail(reason: string): void {
    this.malformed = reason;
  }

  /** After the block: the request pseudo-headers RFC 9113 8.3.1 requires. */
  checkRequest(): void {
    if (this.malformed !== null || this.tooLarge) return;
    if (this.method === undefined || this.scheme === undefined || this.path === undefined) {
      this.malformed = "missing :method, :scheme or :path";
    } else if (this.path === "") {
      this.malformed = "empty :path";
    }
  }

  /** The collected regular fields as a header map (repeated names become arrays). */
  toHeaderMap(): HeaderMap {
    return fieldsToHeaderMap(this.fields, this.fieldCount);
  }
}

export function fieldsToHeaderMap(fields: readonly string[], count: number = fields.length): HeaderMap {
  const map: HeaderMap = {};
  for (let i = 0; i < count; i += 2) {
    const name = fields[i] as string;
    const value = fields[i + 1] as string;
    const prev = map[name];
    if (prev === undefined) map[name] = value;
    else if (typeof prev === "string") map[name] = [prev, value];
    else prev.push(value);
  }
  return map;
}

/** Appends metadata entries to a field list (arrays become repeated fields). */
export function pushMetadata(fields: Array<readonly [string, string]>, metadata: Metadata | undefined): void {
  if (metadata === undefined) return;
  for (const name in metadata) {
    const value = metadata[name];
    if (typeof value === "string") fields.push([name, value]);
    else if (value !== undefined) for (const v of value) fields.push([name, v]);
  }
}

export function hasEntries(metadata: Metadata | undefined): metadata is Metadata {
  if (metadata === undefined) return false;
  for (const _ in metadata) return true;
  return false;
}
