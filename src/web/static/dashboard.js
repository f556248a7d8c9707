// Draws the dashboard's charts with uPlot (served from /assets) from the JSON block the server rendered.
// No inline script: the page's CSP allows scripts from this server only.
(() => {
  const block = document.getElementById('chart-data');
  if (!block || typeof uPlot === 'undefined') return;
  const data = JSON.parse(block.textContent);
  const pct = new Intl.NumberFormat(data.locale, { style: 'percent', maximumFractionDigits: 0 });
  const colors = { count: '#0b6e4f', value: '#1f6feb', payers: '#a15c00', target: '#8a949b' };
  const charts = [];

  const categoryAxis = (labels) => ({
    splits: () => labels.map((_, i) => i),
    values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
    grid: { show: false },
  });
  const percentAxis = { values: (_u, splits) => splits.map((v) => pct.format(v)), size: 48 };
  const widthOf = (el) => Math.max(260, el.clientWidth - 12);

  function draw(id, xName, labels, series, options) {
    const el = document.getElementById(id);
    if (!el || labels.length === 0) return;
    const xs = labels.map((_, i) => i);
    const opts = {
      width: widthOf(el),
      height: 220,
      scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: [0, 1] } },
      axes: [categoryAxis(labels), percentAxis],
      series: [
        { label: xName, value: (_u, i) => (i == null ? '' : (labels[i] ?? '')) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.fill,
          width: s.width ?? 2,
          dash: s.dash,
          paths: s.paths,
          points: s.points ?? { show: true },
          value: (_u, v) => (v == null ? '–' : pct.format(v)),
        })),
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      ...options,
    };
    charts.push({ el, plot: new uPlot(opts, [xs, ...series.map((s) => s.values)], el) });
  }

  const t = data.trend;
  draw('chart-trend', data.labels.month, t.x, [
    { label: data.labels.count, color: colors.count, values: t.count },
    { label: data.labels.value, color: colors.value, values: t.value },
    { label: data.labels.payers, color: colors.payers, values: t.payers },
    {
      label: data.labels.target,
      color: colors.target,
      values: t.x.map(() => data.target),
      dash: [6, 4],
      width: 1,
      points: { show: false },
    },
  ]);

  const bars = uPlot.paths.bars({ size: [0.6, 48] });
  for (const [id, xName, d] of [
    ['chart-units', data.labels.unit, data.units],
    ['chart-categories', data.labels.category, data.categories],
  ]) {
    draw(id, xName, d.x, [
      {
        label: data.labels.count,
        color: colors.count,
        fill: 'rgba(11,110,79,0.55)',
        values: d.count,
        paths: bars,
        points: { show: false },
      },
      {
        label: data.labels.target,
        color: colors.target,
        values: d.x.map(() => data.target),
        dash: [6, 4],
        width: 1,
        points: { show: false },
      },
    ]);
  }

  let pending;
  window.addEventListener('resize', () => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      for (const c of charts) c.plot.setSize({ width: widthOf(c.el), height: 220 });
    }, 150);
  });
})();
