/** The server's ``bucket`` (downsampling) for a chart's visible range: the finest that keeps the
 * number of points within what a chart can draw legibly. */

const SIZES: readonly [string, number][] = [
  ["1m", 60], ["2m", 120], ["5m", 300], ["10m", 600], ["15m", 900], ["30m", 1800],
  ["1h", 3600], ["2h", 7200], ["3h", 10800], ["6h", 21600], ["12h", 43200],
  ["1d", 86400], ["2d", 172800], ["7d", 604800], ["31d", 2678400],
];

export const MAX_POINTS = 500;

export function chooseBucket(rangeMs: number, maxPoints = MAX_POINTS): string {
  const seconds = rangeMs / 1000;
  const fits = SIZES.find(([, size]) => seconds / size <= maxPoints);
  return (fits ?? SIZES[SIZES.length - 1]!)[0];
}

export function bucketSeconds(bucket: string): number {
  return SIZES.find(([name]) => name === bucket)?.[1] ?? 60;
}
