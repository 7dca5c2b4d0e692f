/**
 * What every call of a run sends, resolved once in the main thread and handed to each load thread (plain data,
 * structured clone): the method path and kind, the request bytes, and, when the request changes per call, the
 * template and the schema to encode it with. Built-in Echo/Sign need no schema; --call takes it from server
 * reflection or from --proto files.
 */
import { readFile } from "node:fs/promises";
import { create, createFileRegistry, type DescMethod, fromBinary, fromJson, type FileRegistry, type JsonValue, toBinary } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { GrpcClient } from "../client/client.js";
import type { BenchOptions } from "./options.js";
import { BenchRuntimeError } from "./probe.js";
import { encodeRequest } from "./request-message.js";
import { compileTemplate, hasPlaceholders, type RequestSource } from "./request-template.js";
import { sortByDependencies } from "./schema/file-order.js";
import { filesFromProto } from "./schema/proto-files.js";
import { filesFromReflection } from "./schema/reflection.js";

export type MethodKind = DescMethod["methodKind"];

export interface CallSpec {
  /** "/package.Service/Method". */
  readonly path: string;
  readonly kind: MethodKind;
  /** The request (the first one when it changes per call). */
  readonly request: Uint8Array;
  /** Requests that change per call: the --data JSON, the input type and the schema (a FileDescriptorSet). */
  readonly template?: { readonly json: JsonValue; readonly inputType: string; readonly descriptorSet: Uint8Array };
}

const REFLECTION_TIMEOUT_MS = 10_000;

/** Splits "package.Service/Method" (also "/package.Service/Method" or "package.Service.Method"). */
export function parseMethodName(text: string): { service: string; method: string } | undefined {
  const trimmed = text.startsWith("/") ? text.slice(1) : text;
  const slash = trimmed.lastIndexOf("/");
  const cut = slash >= 0 ? slash : trimmed.lastIndexOf(".");
  const service = trimmed.slice(0, cut);
  const method = trimmed.slice(cut + 1);
  const name = /^[A-Za-z_][A-Za-z0-9_]*$/;
  if (cut <= 0 || !name.test(method) || !service.split(".").every((part) => name.test(part))) return undefined;
  return { service, method };
}

/** `client` serves reflection when no --proto is given. Throws BenchRuntimeError. */
export async function resolveCallSpec(options: BenchOptions, client: () => GrpcClient): Promise<CallSpec> {
  const call = options.call;
  if (call === undefined) {
    const { path, message } = encodeRequest(options);
    return { path, kind: "unary", request: message };
  }
  const name = parseMethodName(call);
  if (name === undefined) throw new BenchRuntimeError(`--call must be package.Service/Method, not "${call}"`);
  const files =
    options.protoFiles.length > 0
      ? await filesFromProto(options.protoFiles, options.importPaths)
      : await filesFromReflection(client(), name.service, { timeoutMs: REFLECTION_TIMEOUT_MS, metadata: options.metadata });
  const descriptorSet = create(FileDescriptorSetSchema, { file: sortByDependencies(files) });
  const registry = buildRegistry(descriptorSet.file);
  const method = findMethod(registry, name.service, name.method, options.protoFiles.length > 0 ? "the --proto files" : "the target's reflection");
  const path = `/${name.service}/${name.method}`;

  if (options.dataFile !== undefined) {
    const request = await readRequestFile(options.dataFile);
    try {
      fromBinary(method.input, request);
    } catch (error) {
      throw new BenchRuntimeError(`--data-file ${options.dataFile} is not a ${method.input.typeName}: ${message(error)}`);
    }
    return { path, kind: method.methodKind, request };
  }
  const text = options.data ?? "{}";
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new BenchRuntimeError(`--data is not JSON: ${message(error)}`);
  }
  let first: Uint8Array;
  const templated = hasPlaceholders(text);
  try {
    first = templated
      ? compileTemplate(json, method.input, registry, 0, 1)(0)
      : toBinary(method.input, fromJson(method.input, json, { registry }));
  } catch (error) {
    throw new BenchRuntimeError(`--data does not fit ${method.input.typeName}: ${message(error)}`);
  }
  if (!templated) return { path, kind: method.methodKind, request: first };
  return {
    path,
    kind: method.methodKind,
    request: first,
    template: { json, inputType: method.input.typeName, descriptorSet: toBinary(FileDescriptorSetSchema, descriptorSet) },
  };
}

/** This thread's requests: the fixed bytes, or the template with counters unique across `threads`. */
export function requestSource(spec: CallSpec, threadIndex: number, threads: number): RequestSource {
  const template = spec.template;
  if (template === undefined) {
    const request = spec.request;
    return () => request;
  }
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, template.descriptorSet));
  const input = registry.getMessage(template.inputType);
  if (input === undefined) throw new BenchRuntimeError(`the schema has no ${template.inputType}`);
  return compileTemplate(template.json, input, registry, threadIndex, threads);
}

function buildRegistry(files: FileDescriptorProto[]): FileRegistry {
  try {
    return createFileRegistry(create(FileDescriptorSetSchema, { file: files }));
  } catch (error) {
    throw new BenchRuntimeError(`the schema cannot be used: ${message(error)}`);
  }
}

function findMethod(registry: FileRegistry, serviceName: string, methodName: string, source: string): DescMethod {
  const service = registry.getService(serviceName);
  if (service === undefined) {
    const known: string[] = [];
    for (const type of registry) if (type.kind === "service") known.push(type.typeName);
    throw new BenchRuntimeError(`${source} has no service ${serviceName}${known.length > 0 ? ` (it has ${known.sort().join(", ")})` : ""}`);
  }
  const method = service.methods.find((m) => m.name === methodName);
  if (method === undefined) {
    throw new BenchRuntimeError(`${serviceName} has no method ${methodName} (it has ${service.methods.map((m) => m.name).join(", ")})`);
  }
  return method;
}

async function readRequestFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw new BenchRuntimeError(`cannot read --data-file ${file}: ${message(error)}`);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
