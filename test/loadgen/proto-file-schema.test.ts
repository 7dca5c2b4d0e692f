/**
 * --proto files through protobufjs: several packages, nested and map types, a well-known type and an import found
 * on --import-path all resolve into a registry protobuf-es accepts (protobufjs writes relative type names, groups
 * by package and leaves out the imports: filesFromProto repairs all three).
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create, createFileRegistry, fromJson, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { sortByDependencies } from "../../src/loadgen/schema/file-order.js";
import { filesFromProto } from "../../src/loadgen/schema/proto-files.js";

const MAIN = `syntax = "proto3";
package demo.v1;
import "google/protobuf/timestamp.proto";
import "shared/thing.proto";
message Outer {
  message Inner { int32 x = 1; }
  Inner inner = 1;
  map<string, Inner> by_name = 2;
  google.protobuf.Timestamp at = 3;
  other.v1.Thing thing = 4;
}
service Demo {
  rpc Call(Outer) returns (Outer.Inner);
  rpc Watch(other.v1.Thing) returns (stream Outer);
}
`;
const THING = `syntax = "proto3";
package other.v1;
message Thing { string display_name = 1; }
`;

describe("--proto schema", () => {
  let dir = "";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fastgrpc-bench-proto-"));
    await mkdir(join(dir, "protos", "shared"), { recursive: true });
    await writeFile(join(dir, "demo.proto"), MAIN);
    await writeFile(join(dir, "protos", "shared", "thing.proto"), THING);
  });

  after(() => rm(dir, { recursive: true, force: true }));

  it("resolves packages, nested, map and well-known types into a registry", async () => {
    const files = await filesFromProto([join(dir, "demo.proto")], [join(dir, "protos")]);
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: sortByDependencies(files) }));
    const service = registry.getService("demo.v1.Demo");
    assert.ok(service !== undefined);
    assert.deepEqual(
      service.methods.map((m) => `${m.name} ${m.methodKind} ${m.input.typeName} -> ${m.output.typeName}`),
      ["Call unary demo.v1.Outer -> demo.v1.Outer.Inner", "Watch server_streaming other.v1.Thing -> demo.v1.Outer"],
    );
    const outer = registry.getMessage("demo.v1.Outer");
    assert.ok(outer !== undefined);
    // JSON names as protoc makes them (byName, displayName), and every field type usable for encoding.
    const request = fromJson(outer, {
      inner: { x: 1 }, byName: { a: { x: 2 } }, at: "2026-01-01T00:00:00Z", thing: { displayName: "t" },
    }, { registry });
    assert.ok(toBinary(outer, request).length > 10);
  });

  it("says what is wrong with a file it cannot parse", async () => {
    const broken = join(dir, "broken.proto");
    await writeFile(broken, "syntax = \"proto3\";\nmessage {");
    await assert.rejects(filesFromProto([broken], []), /cannot read --proto/);
    await assert.rejects(filesFromProto([join(dir, "missing.proto")], []), /cannot read --proto/);
  });
});
