// The InventoryService handlers: an in-memory stock, one handler per method, typed by the generated descriptor
// (ServiceImpl checks each handler's request and response types against inventory.proto).
import { Code, GrpcError, type ServiceImpl } from "fastgrpc/server";
import type { InventoryService, Item } from "./gen/example/inventory/v1/inventory_pb.js";

type Stock = Map<string, { name: string; quantity: number }>;

function item(sku: string, entry: { name: string; quantity: number }): Pick<Item, "sku" | "name" | "quantity"> {
  return { sku, name: entry.name, quantity: entry.quantity };
}

export function createInventoryService(stock: Stock = new Map()): ServiceImpl<typeof InventoryService> {
  return {
    // Unary
    getItem(request) {
      const entry = stock.get(request.sku);
      if (entry === undefined) throw new GrpcError(Code.NOT_FOUND, `no item ${request.sku}`);
      return { item: item(request.sku, entry) };
    },
    // Server streaming
    async *listItems(request, ctx) {
      for (const [sku, entry] of stock) {
        if (ctx.ended) return; // the client left: stop producing
        if (entry.quantity >= request.minQuantity) yield { item: item(sku, entry) };
      }
    },
    // Client streaming
    async addStock(requests) {
      let items = 0;
      let units = 0;
      for await (const request of requests) {
        const added = request.item;
        if (added === undefined || added.sku === "") throw new GrpcError(Code.INVALID_ARGUMENT, "every item needs a sku");
        const entry = stock.get(added.sku) ?? { name: added.name, quantity: 0 };
        entry.quantity += added.quantity;
        stock.set(added.sku, entry);
        items++;
        units += added.quantity;
      }
      return { items, units };
    },
    // Bidirectional streaming
    async *reserve(requests) {
      for await (const request of requests) {
        const entry = stock.get(request.sku);
        const granted = entry !== undefined && entry.quantity >= request.quantity;
        if (granted) entry.quantity -= request.quantity;
        yield { sku: request.sku, granted, remaining: entry?.quantity ?? 0 };
      }
    },
  };
}
