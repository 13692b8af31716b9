/**
 * The report page's own script: reads the chart specs (chart-spec.ts) from the page's JSON and draws each
 * with uPlot into the element of its id. It decides nothing about the numbers — the renderer did — only how
 * each unit reads on an axis, how bars sit side by side and where fault windows are shaded.
 *
 * Plain ES2020 for any current browser, kept in a string because it runs in the page, not in Node. When
 * every chart is drawn it sets `data-charts-drawn` on <html> to their count (the browser test waits for it).
 */
export const CHART_SCRIPT: string = `(function () {
  'use strict';
  var DASH = '\\u2013';
  var specs = JSON.parse(document.getElementById('cachebench-data').textContent).charts;

  function trim(text) {
    return text.indexOf('.') < 0 ? text : text.replace(/\\.?0+$/, '');
  }
  function compact(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return trim((v / 1e9).toFixed(1)) + 'G';
    if (a >= 1e6) return trim((v / 1e6).toFixed(1)) + 'M';
    if (a >= 1e3) return trim((v / 1e3).toFixed(1)) + 'k';
    if (a >= 10 || a === 0) return String(Math.round(v));
    return trim(v.toPrecision(2));
  }
  function duration(ms) {
    var a = Math.abs(ms);
    if (a === 0) return '0 ms';
    if (a < 1) return trim((ms * 1000).toPrecision(3)) + ' \\u00b5s';
    if (a < 1000) return trim(ms.toPrecision(3)) + ' ms';
    if (a < 60000) return trim((ms / 1000).toPrecision(3)) + ' s';
    return trim((ms / 60000).toPrecision(3)) + ' min';
  }
  function clock(seconds) {
    var s = Math.round(seconds);
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var rest = s % 60;
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    if (Math.abs(seconds) < 60) return trim(seconds.toFixed(1)) + ' s';
    return h > 0 ? h + ':' + pad(m) + ':' + pad(rest) : m + ':' + pad(rest);
  }
  function bytes(v) {
    var units = ['B', 'KB', 'MB', 'GB', 'TB'];
    var i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(Math.round(v)) : trim(v.toPrecision(3))) + ' ' + units[i];
  }
  function percent(fraction) {
    var p = fraction * 100;
    if (p !== 0 && Math.abs(p) < 1) return trim(p.toPrecision(2)) + '%';
    return trim(p.toFixed(1)) + '%';
  }
  function nines(x) {
    var p = 100 * (1 - Math.pow(10, -x));
    return trim(p.toFixed(Math.max(0, Math.ceil(x - 1e-9) - 2))) + '%';
  }
  var FORMATS = {
    fraction: percent,
    ms: duration,
    per_s: function (v) { return compact(v) + '/s'; },
    count: compact,
    clock: clock,
    entries: compact,
    bytes: bytes,
    nines: nines,
  };
  function format(unit, v) {
    return v === null || v === undefined || !isFinite(v) ? DASH : FORMATS[unit](v);
  }

  // Steps for a clock axis: whole seconds, minutes and hours rather than 0, 200, 400 s.
  var CLOCK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400];

  // A log axis spans whole powers of ten, so bars (drawn up from the axis's minimum) never vanish at it.
  function scaleOf(axis) {
    var scale = { auto: true };
    if (axis.log) { scale.distr = 3; scale.log = 10; }
    var fraction = axis.unit === 'fraction';
    if (axis.log || fraction || axis.min !== undefined || axis.max !== undefined) {
      scale.range = function (u, lo, hi) {
        var auto = axis.log ? uPlot.rangeLog(lo, hi, 10, true) : uPlot.rangeNum(lo, hi, 0.1, true);
        var low = axis.min !== undefined ? axis.min : auto[0];
        var high = axis.max !== undefined ? axis.max : auto[1];
        // A share never reads above 100%, and all zeros show as 0–1% rather than a made-up span.
        if (fraction) high = hi > 0 ? Math.min(high, 1) : 0.01;
        return [low, high > low ? high : low + 1];
      };
    }
    return scale;
  }

  // Labels for an axis's splits; a log axis leaves the splits it does not label null.
  function labels(unit) {
    return function (u, splits) {
      return splits.map(function (v) { return v === null || v === undefined ? null : format(unit, v); });
    };
  }

  // Bytes on a log axis: powers of two (1 KB, 32 KB, 1 MB…), at most about eight of them.
  function byteSplits(u, axisIndex, lo, hi) {
    var first = Math.ceil(Math.log2(Math.max(lo, 1)));
    var last = Math.floor(Math.log2(Math.max(hi, 1)));
    var step = [1, 2, 5, 10].find(function (k) { return (last - first) / k <= 8; }) || 10;
    var out = [];
    for (var n = first; n <= last; n++) if (n % step === 0) out.push(Math.pow(2, n));
    return out;
  }

  function valueAxis(axis, scale, side) {
    var spec = { scale: scale, side: side, label: axis.label, labelSize: 20, size: 64, values: labels(axis.unit) };
    if (side === 1) spec.grid = { show: false };
    return spec;
  }

  function xAxis(spec) {
    var x = spec.x;
    var axis = { label: x.label, labelSize: 20 };
    if (spec.kind === 'bars') {
      var names = x.categories;
      var longest = names.reduce(function (n, l) { return Math.max(n, l.length); }, 0);
      axis.splits = function () { return x.values; };
      axis.values = function (u, splits) { return splits.map(function (i) { return names[i]; }); };
      axis.grid = { show: false };
      axis.ticks = { show: false };
      if (names.length > 4 && longest > 8) { axis.rotate = -35; axis.size = Math.min(140, 16 + longest * 6); }
    } else if (x.unit === 'nines') {
      axis.splits = function (u, i, lo, hi) {
        var out = [Math.log10(2)];
        for (var n = 1; n <= Math.floor(hi); n++) out.push(n);
        return out.filter(function (v) { return v >= lo && v <= hi; });
      };
      axis.values = function (u, splits) { return splits.map(nines); };
    } else {
      if (x.unit === 'clock') axis.incrs = CLOCK_STEPS;
      if (x.unit === 'bytes' && x.log) { axis.splits = byteSplits; axis.filter = function (u, splits) { return splits; }; }
      axis.values = labels(x.unit);
    }
    return axis;
  }

  // Bars of several series sit side by side within 80% of each category's width.
  var GROUP_WIDTH = 0.8;
  function barsPaths(index, count) {
    var width = GROUP_WIDTH / count;
    return uPlot.paths.bars({
      disp: {
        x0: { unit: 1, values: function (u) { return u.data[0].map(function (x) { return x - GROUP_WIDTH / 2 + index * width; }); } },
        size: { unit: 1, values: function (u) { return u.data[0].map(function () { return width; }); } },
      },
    });
  }

  function seriesOf(spec) {
    var bars = spec.series.filter(function (s) { return s.style === 'bars'; });
    var x = spec.x;
    var first = {
      label: x.label,
      value: function (u, v) {
        if (v === null || v === undefined) return DASH;
        return spec.kind === 'bars' ? x.categories[v] : format(x.unit, v);
      },
    };
    return [first].concat(spec.series.map(function (s) {
      var unit = s.axis === 'right' ? spec.y2.unit : spec.y.unit;
      var series = {
        label: s.label,
        scale: s.axis === 'right' ? 'y2' : 'y',
        stroke: s.color,
        width: 2,
        spanGaps: s.spanGaps === true,
        value: function (u, v) { return format(unit, v); },
        points: { show: false },
      };
      if (s.style === 'dashed') series.dash = [6, 4];
      if (s.faint === true) { series.width = 1; series.alpha = 0.55; }
      if (s.markers === true) series.points = { show: true, size: 7, width: 2, stroke: s.color, fill: '#ffffff' };
      if (s.style === 'points') {
        series.paths = function () { return null; };
        series.points = { show: true, size: 8, width: 2, stroke: s.color, fill: s.color };
      }
      if (s.style === 'bars') {
        series.paths = barsPaths(bars.indexOf(s), bars.length);
        series.fill = s.color;
        series.width = 0;
      }
      return series;
    }));
  }

  // A range's name with its detail, or its name alone, or as much of the name as fits (with an ellipsis).
  function fitted(ctx, range, width) {
    var full = range.detail ? range.label + ': ' + range.detail : range.label;
    if (ctx.measureText(full).width <= width) return full;
    var text = range.label;
    if (ctx.measureText(text).width <= width) return text;
    for (var n = text.length - 1; n > 0; n--) {
      var cut = text.slice(0, n) + '\u2026';
      if (ctx.measureText(cut).width <= width) return cut;
    }
    return '';
  }

  // Fault windows: drawn under the grid and the series, each named along its top as far as room allows
  // (the table under the charts has them in full).
  function shade(ranges) {
    return function (u) {
      var ctx = u.ctx;
      var box = u.bbox;
      var pad = 4 * uPlot.pxRatio;
      ctx.save();
      ctx.font = Math.round(11 * uPlot.pxRatio) + 'px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      ranges.forEach(function (range) {
        var from = Math.max(box.left, u.valToPos(range.from, 'x', true));
        var to = Math.min(box.left + box.width, u.valToPos(range.to, 'x', true));
        if (!(to > from)) return;
        ctx.fillStyle = 'rgba(220, 38, 38, 0.13)';
        ctx.fillRect(from, box.top, Math.max(to - from, uPlot.pxRatio), box.height);
        ctx.fillStyle = '#991b1b';
        ctx.fillText(fitted(ctx, range, to - from - 2 * pad), from + pad, box.top + pad);
      });
      ctx.restore();
    };
  }

  function draw(spec) {
    var target = document.getElementById(spec.id);
    var scales = { x: { time: false, auto: true }, y: scaleOf(spec.y) };
    if (spec.kind === 'bars') {
      scales.x.range = [-0.5, spec.x.values.length - 0.5];
    } else {
      scales.x = Object.assign(scaleOf(spec.x), { time: false });
    }
    var axes = [xAxis(spec), valueAxis(spec.y, 'y', 3)];
    if (spec.y2) {
      scales.y2 = scaleOf(spec.y2);
      axes.push(valueAxis(spec.y2, 'y2', 1));
    }
    var options = {
      width: Math.max(320, target.clientWidth),
      height: 280,
      scales: scales,
      axes: axes,
      series: seriesOf(spec),
      cursor: { points: { show: spec.kind !== 'bars' } },
      hooks: spec.shaded && spec.shaded.length > 0 ? { drawClear: [shade(spec.shaded)] } : {},
    };
    var data = [spec.x.values].concat(spec.series.map(function (s) { return s.values; }));
    return { target: target, plot: new uPlot(options, data, target) };
  }

  var drawn = specs.map(draw);
  var pending = 0;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      drawn.forEach(function (chart) {
        chart.plot.setSize({ width: Math.max(320, chart.target.clientWidth), height: 280 });
      });
    }, 100);
  });
  document.documentElement.setAttribute('data-charts-drawn', String(drawn.length));
})();
`;
