// The example server: `node server.ts [tcp://127.0.0.1:50061]` (port 0 picks a free port). Stops on SIGINT/SIGTERM.
import { GrpcServer } from "fastgrpc/server";
import { InventoryService } from "./gen/example/inventory/v1/inventory_pb.js";
import { createInventoryService } from "./inventory-service.ts";

const server = new GrpcServer();
server.addService(InventoryService, createInventoryService());
try {
  const listener = await server.listen(process.argv[2] ?? "tcp://127.0.0.1:50061");
  console.log(`inventory server listening on ${listener.url}`);
} catch (error) {
  console.error(`inventory server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.shutdown(2000).then(() => process.exit(0), () => process.exit(1));
  });
}
