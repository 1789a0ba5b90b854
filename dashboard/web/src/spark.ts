/** Sparklines: the last hour of a figure, sampled while the page runs (and seeded from history). */

export interface Sample {
  t: number;
  v: number;
}

export const SPAN_MS = 3_600_000;

/** ``samples`` with ``sample`` added in time order (a sample of the same instant replaces it), and those
 * older than ``span`` before the newest dropped. */
export function addSample(samples: readonly Sample[], sample: Sample, span = SPAN_MS): Sample[] {
  const merged = [...samples.filter((s) => s.t !== sample.t), sample].sort((a, b) => a.t - b.t);
  const newest = merged[merged.length - 1]!.t;
  return merged.filter((s) => s.t >= newest - span);
}

/** The SVG path of ``samples`` over the ``span`` ending at ``now``, in a ``width`` × ``height`` box; the
 * vertical scale runs from 0 (or the lowest value, if negative) to the highest value. */
export function sparkPath(samples: readonly Sample[], width: number, height: number, now: number, span = SPAN_MS): string {
  const shown = samples.filter((s) => s.t >= now - span && s.t <= now);
  if (shown.length === 0) return "";
  const low = Math.min(0, ...shown.map((s) => s.v));
  const high = Math.max(...shown.map((s) => s.v));
  const range = high - low || 1;
  const x = (t: number) => ((t - (now - span)) / span) * width;
  const y = (v: number) => height - ((v - low) / range) * height;
  const points = shown.map((s) => `${x(s.t).toFixed(1)},${y(s.v).toFixed(1)}`);
  // A single sample is drawn as a short flat stroke, so it is seen at all.
  if (points.length === 1) return `M${(x(shown[0]!.t) - 2).toFixed(1)},${y(shown[0]!.v).toFixed(1)}H${x(shown[0]!.t).toFixed(1)}`;
  return `M${points.join("L")}`;
}
