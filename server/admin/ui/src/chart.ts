import { h, s } from "./dom";

// A small line chart in plain SVG: the last minutes of one series.
export function chart(title: string, values: number[], fmt: (n: number) => string): HTMLElement {
  const w = 260, ht = 70;
  const maxV = Math.max(1, ...values);
  const n = values.length;
  const pts = values
    .map((v, i) => `${n <= 1 ? w : (i / (n - 1)) * w},${ht - (v / maxV) * (ht - 4) - 2}`)
    .join(" ");
  const last = n > 0 ? values[n - 1] : 0;
  const svg = s("svg", { viewBox: `0 0 ${w} ${ht}`, class: "spark", role: "img", "aria-label": title },
    s("polyline", { points: `0,${ht} ${pts} ${w},${ht}`, class: "area" }),
    s("polyline", { points: pts, class: "line" }),
  );
  return h("div", { class: "chart" },
    h("div", { class: "chart-head" }, h("span", {}, title), h("b", {}, fmt(last))),
    svg,
    h("div", { class: "chart-foot" }, `max ${fmt(maxV)}`),
  );
}
