import { html, type SafeHtml } from "./html.js";

/** One line or bar set of a chart. */
export interface ChartSeries {
  /** The legend label. */
  name: string;
  /** A CSS class naming its colour (`s1`…`s4` in the stylesheet). */
  className: string;
  /** One value per bucket, oldest first. */
  values: readonly number[];
}

/** What a chart shows. */
export interface ChartSpec {
  /** Read by screen readers and shown as a tooltip. */
  title: string;
  /** The unit of the values, e.g. `"msg/s"` or `"ms"`. */
  unit: string;
  /** `bars` stacks nothing: each series is drawn over the previous one. */
  kind: "bars" | "lines";
  /** The series, drawn in order. */
  series: readonly ChartSeries[];
  /** Label of the left end of the time axis, e.g. `"-15 min"`. */
  from: string;
}

const WIDTH = 360;
const HEIGHT = 120;
const PAD = { right: 8, top: 8, bottom: 18 };
/** An upper bound of the width of one character of the 10 px tick labels (digits and lower case are narrower). */
const TICK_CHAR_WIDTH = 6.2;
const MIN_PAD_LEFT = 64;

/** A round maximum at or above `value`, so the axis reads 1, 2, 5, 10, 20… */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 5, 10]) if (value <= factor * step) return factor * step;
  return 10 * step;
}

/** Axis maxima are round (1, 2, 5 × 10ⁿ), shown without trailing zeros. */
const format = (value: number) => String(Number(value.toPrecision(3)));

/**
 * A small chart as inline SVG, rendered on the server: no charting library, no script,
 * nothing fetched, so it works offline and under the dashboard's strict CSP.
 */
export function chart(spec: ChartSpec): SafeHtml {
  const count = Math.max(1, ...spec.series.map((series) => series.values.length));
  const max = niceMax(Math.max(0, ...spec.series.flatMap((series) => series.values)));
  const top = `${format(max)} ${spec.unit}`;
  // The top label ends left of the plot: the margin fits it, or its first digits would fall outside the image ("100 msg/s" read
  // "0 msg/s"). At least MIN_PAD_LEFT, so that the charts of a figure share their time axis up to "999 msg/s".
  const padLeft = Math.max(MIN_PAD_LEFT, Math.ceil(top.length * TICK_CHAR_WIDTH) + 8);
  const plotW = WIDTH - padLeft - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => padLeft + (count === 1 ? plotW / 2 : (i * plotW) / (count - 1));
  const y = (value: number) => PAD.top + plotH - (Math.min(value, max) / max) * plotH;
  const barW = Math.max(1, plotW / count - 1);
  const shapes = spec.series.map((series) => {
    if (spec.kind === "bars") {
      return series.values.map((value, i) => {
        const left = padLeft + (i * plotW) / count;
        return html`<rect class="${series.className}" x="${left.toFixed(1)}" y="${y(value).toFixed(1)}" width="${barW.toFixed(1)}" height="${(PAD.top + plotH - y(value)).toFixed(1)}"></rect>`;
      });
    }
    const points = series.values.map((value, i) => `${x(i).toFixed(1)},${y(value).toFixed(1)}`).join(" ");
    return html`<polyline class="${series.className}" points="${points}"></polyline>`;
  });
  const legend = spec.series.map(
    (series, i) => html`<text class="legend ${series.className}" x="${padLeft + 4 + i * 70}" y="${PAD.top + 10}">${series.name}</text>`,
  );
  return html`<svg class="chart ${spec.kind}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${spec.title}">
<title>${spec.title}</title>
<line class="axis" x1="${padLeft}" y1="${PAD.top + plotH}" x2="${WIDTH - PAD.right}" y2="${PAD.top + plotH}"></line>
<line class="grid" x1="${padLeft}" y1="${PAD.top}" x2="${WIDTH - PAD.right}" y2="${PAD.top}"></line>
<text class="tick" x="${padLeft - 4}" y="${PAD.top + 4}" text-anchor="end">${top}</text>
<text class="tick" x="${padLeft - 4}" y="${PAD.top + plotH}" text-anchor="end">0</text>
<text class="tick" x="${padLeft}" y="${HEIGHT - 4}">${spec.from}</text>
<text class="tick" x="${WIDTH - PAD.right}" y="${HEIGHT - 4}" text-anchor="end">now</text>
${shapes}${legend}
</svg>`;
}
