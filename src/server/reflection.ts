/**
 * gRPC server reflection (grpc.reflection.v1; v1alpha is routed to the same handler, its wire format being
 * identical): lists the services and answers descriptor requests with serialized FileDescriptorProtos of the file
 * asked for followed by its transitive dependencies, from the descriptors protobuf-es embeds in generated code.
 * Tools such as grpcurl use it to call methods without the .proto files.
 */
import {
  type DescExtension, type DescFile, type DescMessage, type DescService, type MessageInitShape, toBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "../errors/codes.js";
import type {
  ServerReflection, ServerReflectionRequest, ServerReflectionResponseSchema,
} from "../gen/grpc/reflection/v1/reflection_pb.js";
import type { ServiceImpl } from "./service.js";

type ResponseInit = MessageInitShape<typeof ServerReflectionResponseSchema>;
type Answer = ResponseInit["messageResponse"];

/** Every file reachable from the served services, indexed the ways reflection asks. */
export class DescriptorIndex {
  readonly services: readonly string[];
  private readonly byName = new Map<string, DescFile>();
  private readonly bySymbol = new Map<string, DescFile>();
  private readonly byExtension = new Map<string, DescFile>();
  private readonly extensionsOf = new Map<string, number[]>();
  private readonly messages = new Set<string>();

  constructor(services: Iterable<DescService>) {
    const names: string[] = [];
    for (const service of services) {
      names.push(service.typeName);
      this.addFile(service.file);
    }
    this.services = names.sort();
  }

  private addFile(file: DescFile): void {
    const name = file.proto.name;
    if (this.byName.has(name)) return;
    this.byName.set(name, file);
    for (const dependency of file.dependencies) this.addFile(dependency);
    for (const service of file.services) {
      this.bySymbol.set(service.typeName, file);
      for (const method of service.methods) this.bySymbol.set(`${service.typeName}.${method.name}`, file);
    }
    for (const message of file.messages) this.addMessage(message, file);
    for (const enumeration of file.enums) this.bySymbol.set(enumeration.typeName, file);
    for (const extension of file.extensions) this.addExtension(extension, file);
  }

  private addMessage(message: DescMessage, file: DescFile): void {
    this.bySymbol.set(message.typeName, file);
    this.messages.add(message.typeName);
    for (const field of message.fields) this.bySymbol.set(`${message.typeName}.${field.name}`, file);
    for (const nested of message.nestedMessages) this.addMessage(nested, file);
    for (const enumeration of message.nestedEnums) this.bySymbol.set(enumeration.typeName, file);
    for (const extension of message.nestedExtensions) this.addExtension(extension, file);
  }

  private addExtension(extension: DescExtension, file: DescFile): void {
    this.bySymbol.set(extension.typeName, file);
    const extendee = extension.extendee.typeName;
    this.byExtension.set(`${extendee}#${extension.number}`, file);
    const numbers = this.extensionsOf.get(extendee) ?? [];
    numbers.push(extension.number);
    this.extensionsOf.set(extendee, numbers);
  }

  fileByName(name: string): DescFile | undefined {
    return this.byName.get(name);
  }

  fileContainingSymbol(symbol: string): DescFile | undefined {
    return this.bySymbol.get(symbol.startsWith(".") ? symbol.slice(1) : symbol);
  }

  fileContainingExtension(extendee: string, number: number): DescFile | undefined {
    return this.byExtension.get(`${extendee}#${number}`);
  }

  /** Extension numbers known for a message type, or undefined for an unknown type. */
  extensionNumbers(typeName: string): number[] | undefined {
    if (!this.messages.has(typeName)) return undefined;
    return this.extensionsOf.get(typeName) ?? [];
  }
}

const serialized = new WeakMap<DescFile, Uint8Array>();

function serialize(file: DescFile): Uint8Array {
  let bytes = serialized.get(file);
  if (bytes === undefined) {
    bytes = toBinary(FileDescriptorProtoSchema, file.proto);
    serialized.set(file, bytes);
  }
  return bytes;
}

/** The file first, then its transitive dependencies, each once. */
export function fileWithDependencies(file: DescFile): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  const visit = (current: DescFile) => {
    if (seen.has(current.proto.name)) return;
    seen.add(current.proto.name);
    out.push(serialize(current));
    for (const dependency of current.dependencies) visit(dependency);
  };
  visit(file);
  return out;
}

function notFound(message: string): Answer {
  return { case: "errorResponse", value: { errorCode: Code.NOT_FOUND, errorMessage: message } };
}

function files(file: DescFile | undefined, what: string): Answer {
  if (file === undefined) return notFound(`${what} not found`);
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto: fileWithDependencies(file) } };
}

/** The answer to one reflection request. */
export function answer(index: DescriptorIndex, request: ServerReflectionRequest): Answer {
  const query = request.messageRequest;
  switch (query.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.services.map((name) => ({ name })) } };
    case "fileByFilename":
      return files(index.fileByName(query.value), `file "${query.value}"`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(query.value), `symbol "${query.value}"`);
    case "fileContainingExtension":
      return files(
        index.fileContainingExtension(query.value.containingType, query.value.extensionNumber),
        `extension ${query.value.extensionNumber} of "${query.value.containingType}"`,
      );
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbers(query.value);
      if (numbers === undefined) return notFound(`type "${query.value}" not found`);
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: query.value, extensionNumber: numbers } };
    }
    default:
      return { case: "errorResponse", value: { errorCode: Code.INVALID_ARGUMENT, errorMessage: "no request set in ServerReflectionRequest" } };
  }
}

/**
 * The ServerReflectionInfo handler. `services` is read when a stream sends its first request, so services added
 * later are listed by later streams.
 */
export function createReflectionService(services: () => Iterable<DescService>): ServiceImpl<typeof ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      let index: DescriptorIndex | undefined;
      for await (const request of requests) {
        index ??= new DescriptorIndex(services());
        const response: ResponseInit = {
          validHost: request.host,
          originalRequest: request,
          messageResponse: answer(index, request),
        };
        yield response;
      }
    },
  };
}
