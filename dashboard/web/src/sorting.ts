/** Sorting of table rows by a column, numbers as numbers and text in Vietnamese order. */

export type Direction = "asc" | "desc";
const collator = new Intl.Collator("vi", { numeric: true, sensitivity: "base" });

export function sortRows<T>(rows: readonly T[], value: (row: T) => string | number | null, direction: Direction): T[] {
  const sign = direction === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1; // no value: always last
    const order = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
    return sign * order;
  });
}

/** Clicking the sorted column turns it around; another column starts with ``first``. */
export function nextSort<K>(current: { key: K; direction: Direction }, key: K, first: Direction = "asc"): { key: K; direction: Direction } {
  if (current.key === key) return { key, direction: current.direction === "asc" ? "desc" : "asc" };
  return { key, direction: first };
}
