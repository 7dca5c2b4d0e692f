/**
 * The schema of a service from .proto files (--proto FILE --import-path DIR), for servers without reflection.
 * protobufjs parses them (an optional dependency, loaded only here) and describes them as a FileDescriptorSet.
 * protobufjs groups the descriptors by package rather than by file and leaves out the imports, so each file's
 * dependencies are recomputed from the types it refers to before protobuf-es builds the registry.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { existsSync } from "node:fs";
import { fromBinary } from "@bufbuild/protobuf";
import {
  type DescriptorProto, type FileDescriptorProto, FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { BenchRuntimeError } from "../probe.js";

interface ProtobufjsRoot {
  resolvePath: (origin: string, target: string) => string | null;
  load(files: string[], options: { keepCase: boolean }): Promise<ProtobufjsRoot>;
  resolveAll(): ProtobufjsRoot;
  toDescriptor(edition: string): unknown;
}

interface DescriptorModule {
  FileDescriptorSet: { encode(message: unknown): { finish(): Uint8Array } };
}

/** Parses the files (with their imports) into FileDescriptorProtos. Throws BenchRuntimeError. */
export async function filesFromProto(protoFiles: readonly string[], importPaths: readonly string[]): Promise<FileDescriptorProto[]> {
  let protobuf: { Root: new () => ProtobufjsRoot };
  let descriptor: DescriptorModule;
  try {
    protobuf = ((await import("protobufjs")) as unknown as { default: { Root: new () => ProtobufjsRoot } }).default;
    // A CommonJS module: its exports are the default export (named ones only when Node can detect them).
    descriptor = ((await import("protobufjs/ext/descriptor/index.js")) as unknown as { default: DescriptorModule }).default;
  } catch {
    throw new BenchRuntimeError("--proto needs the optional dependency protobufjs (npm install protobufjs)");
  }
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => findImport(origin, target, importPaths);
  let set: unknown;
  try {
    await root.load([...protoFiles].map((file) => findImport("", file, importPaths) ?? file), { keepCase: true });
    root.resolveAll();
    set = root.toDescriptor(syntaxOf(protoFiles[0] ?? ""));
  } catch (error) {
    throw new BenchRuntimeError(`cannot read --proto: ${error instanceof Error ? error.message : String(error)}`);
  }
  const files = fromBinary(FileDescriptorSetSchema, descriptor.FileDescriptorSet.encode(set).finish()).file;
  qualifyTypeNames(files);
  addDependencies(files);
  return files;
}

/** A file as given, or relative to the importing file, or under an import path (as protoc searches). */
function findImport(origin: string, target: string, importPaths: readonly string[]): string | null {
  if (isAbsolute(target)) return target;
  const candidates = [
    ...importPaths.map((dir) => join(dir, target)),
    ...(origin === "" ? [resolve(target)] : [join(origin, "..", target)]),
  ];
  // protobufjs has the well-known types built in: keep their names unresolved so it uses those.
  if (target.startsWith("google/protobuf/")) return candidates.find((path) => existsSync(path)) ?? target;
  return candidates.find((path) => existsSync(path)) ?? candidates[0] ?? null;
}

/** "proto2" or "proto3", from the main file's syntax statement (proto2 when it has none, as protoc assumes). */
function syntaxOf(file: string): string {
  try {
    const text = readFileSync(file, "utf8");
    return /^\s*syntax\s*=\s*["']proto3["']/m.test(text) ? "proto3" : "proto2";
  } catch {
    return "proto3";
  }
}

/**
 * protobufjs writes type references relative to where they are used ("KeyType", "Outer.Inner"); protobuf-es wants
 * them fully qualified (".pkg.KeyType"). Resolves each as protoc does: in the innermost enclosing scope first.
 */
export function qualifyTypeNames(files: FileDescriptorProto[]): void {
  const defined = new Set<string>();
  const define = (prefix: string, messages: readonly DescriptorProto[]) => {
    for (const message of messages) {
      const name = `${prefix}.${message.name}`;
      defined.add(name);
      for (const nested of message.enumType) defined.add(`${name}.${nested.name}`);
      define(name, message.nestedType);
    }
  };
  for (const file of files) {
    const prefix = file.package === "" ? "" : `.${file.package}`;
    define(prefix, file.messageType);
    for (const enumeration of file.enumType) defined.add(`${prefix}.${enumeration.name}`);
  }
  const qualify = (name: string, scope: string): string => {
    if (name === "" || name.startsWith(".")) return name;
    for (let at = scope; ; at = at.slice(0, Math.max(0, at.lastIndexOf(".")))) {
      const candidate = `${at}.${name}`;
      if (defined.has(candidate)) return candidate;
      if (at === "") return `.${name}`;
    }
  };
  const walk = (scope: string, messages: readonly DescriptorProto[]) => {
    for (const message of messages) {
      const inner = `${scope}.${message.name}`;
      for (const field of [...message.field, ...message.extension]) {
        field.typeName = qualify(field.typeName, inner);
        field.extendee = qualify(field.extendee, inner);
        if (field.jsonName === "") field.jsonName = jsonNameOf(field.name);
      }
      walk(inner, message.nestedType);
    }
  };
  for (const file of files) {
    const scope = file.package === "" ? "" : `.${file.package}`;
    walk(scope, file.messageType);
    for (const extension of file.extension) {
      extension.typeName = qualify(extension.typeName, scope);
      extension.extendee = qualify(extension.extendee, scope);
    }
    for (const service of file.service) {
      for (const method of service.method) {
        method.inputType = qualify(method.inputType, scope);
        method.outputType = qualify(method.outputType, scope);
      }
    }
  }
}

/** protoc's JSON name of a field: underscores dropped, the letter after each one upper-cased. */
function jsonNameOf(name: string): string {
  return name.replace(/_+([a-z0-9]?)/g, (_, next: string) => next.toUpperCase());
}

/** Fills each file's `dependency` with the files defining the types it refers to. */
export function addDependencies(files: FileDescriptorProto[]): void {
  const fileOfType = new Map<string, string>();
  const define = (prefix: string, messages: readonly DescriptorProto[], file: string) => {
    for (const message of messages) {
      const name = `${prefix}.${message.name}`;
      fileOfType.set(name, file);
      for (const nested of message.enumType) fileOfType.set(`${name}.${nested.name}`, file);
      define(name, message.nestedType, file);
    }
  };
  for (const file of files) {
    const prefix = file.package === "" ? "" : `.${file.package}`;
    define(prefix, file.messageType, file.name);
    for (const enumeration of file.enumType) fileOfType.set(`${prefix}.${enumeration.name}`, file.name);
  }
  for (const file of files) {
    const used = new Set<string>();
    const refer = (typeName: string) => {
      const owner = fileOfType.get(typeName);
      if (owner !== undefined && owner !== file.name) used.add(owner);
    };
    const walk = (messages: readonly DescriptorProto[]) => {
      for (const message of messages) {
        for (const field of [...message.field, ...message.extension]) {
          refer(field.typeName);
          refer(field.extendee);
        }
        walk(message.nestedType);
      }
    };
    walk(file.messageType);
    for (const extension of file.extension) {
      refer(extension.typeName);
      refer(extension.extendee);
    }
    for (const service of file.service) {
      for (const method of service.method) {
        refer(method.inputType);
        refer(method.outputType);
      }
    }
    file.dependency = [...used].sort();
  }
}
