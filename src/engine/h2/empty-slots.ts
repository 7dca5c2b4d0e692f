/**
 * A shared, empty placeholder for per-connection slot arrays that are made on first use (an idle connection holds
 * none). It is made the way the real arrays are, `new Array(n).fill(x)`, so it has their map (elements kind): a
 * placeholder made with `[]` would not, and every load site that saw both would turn polymorphic.
 * Nothing may write to it: the owners replace it before their first write.
 */
export function emptySlots<T>(fill: T): T[] {
  const slots = new Array<T>(1).fill(fill);
  slots.length = 0;
  return slots;
}
