import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The chart library's code and styles, inlined into every report so the page needs no network. */
export interface ChartLibrary {
  /** uPlot's browser build: defines the global `uPlot`. */
  script: string;
  css: string;
}

/**
 * Reads uPlot (https://github.com/leeoniya/uPlot, MIT) from the installed `uplot` package: its minified
 * browser build (the IIFE, which defines a global instead of needing a module loader) and its stylesheet.
 * Resolved like any dependency, so it works from a clone and from an installed cachebench alike. The
 * only I/O of the HTML report: the renderers take the result as a parameter and stay pure.
 */
export function loadChartLibrary(): ChartLibrary {
  const require = createRequire(import.meta.url);
  const read = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
  return { script: read('uPlot.iife.min.js'), css: read('uPlot.min.css') };
}
