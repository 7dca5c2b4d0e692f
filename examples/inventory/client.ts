// The example client: `node client.ts [tcp://127.0.0.1:50061]`. Calls each of the four methods once and prints
// what came back; exits 1 with the gRPC status when a call fails.
import { GrpcClient, GrpcError, codeName } from "fastgrpc/client";
import { InventoryService } from "./gen/example/inventory/v1/inventory_pb.js";

const client = new GrpcClient(process.argv[2] ?? "tcp://127.0.0.1:50061");
const methods = InventoryService.method;

async function* deliveries() {
  yield { item: { sku: "apple", name: "Apple", quantity: 10 } };
  yield { item: { sku: "pear", name: "Pear", quantity: 3 } };
  yield { item: { sku: "plum", name: "Plum", quantity: 7 } };
}

async function* orders() {
  yield { sku: "apple", quantity: 4 };
  yield { sku: "pear", quantity: 5 };
  yield { sku: "plum", quantity: 7 };
}

try {
  // Client streaming: add stock.
  const added = await client.clientStream(methods.addStock, deliveries(), { timeoutMs: 5000 });
  console.log(`addStock: ${added.items} items, ${added.units} units`);

  // Unary, and a unary call that fails with a status.
  const apple = await client.unary(methods.getItem, { sku: "apple" }, { timeoutMs: 5000 });
  console.log(`getItem: ${apple.item?.name} x${apple.item?.quantity}`);
  try {
    await client.unary(methods.getItem, { sku: "kiwi" });
  } catch (error) {
    if (!(error instanceof GrpcError)) throw error;
    console.log(`getItem kiwi: ${codeName(error.code)}`);
  }

  // Server streaming.
  const listed: string[] = [];
  for await (const response of client.serverStream(methods.listItems, { minQuantity: 5 })) listed.push(response.item?.sku ?? "?");
  console.log(`listItems (>= 5): ${listed.join(", ")}`);

  // Bidirectional streaming.
  for await (const answer of client.bidiStream(methods.reserve, orders())) {
    console.log(`reserve ${answer.sku}: ${answer.granted ? "granted" : "refused"}, ${answer.remaining} left`);
  }
} catch (error) {
  console.error(`inventory client: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
