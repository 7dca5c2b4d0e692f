/** FileDescriptorProtos in dependency order (imports first), as protobuf-es's createFileRegistry needs them. */
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";

export function sortByDependencies(files: readonly FileDescriptorProto[]): FileDescriptorProto[] {
  const byName = new Map(files.map((file) => [file.name, file]));
  const sorted: FileDescriptorProto[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (file: FileDescriptorProto) => {
    if (state.get(file.name) !== undefined) return; // done, or an import cycle (createFileRegistry reports it)
    state.set(file.name, "visiting");
    for (const name of file.dependency) {
      const dependency = byName.get(name);
      if (dependency !== undefined) visit(dependency);
    }
    state.set(file.name, "done");
    sorted.push(file);
  };
  for (const file of files) visit(file);
  return sorted;
}
