import { writeFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { type ChartLibrary, loadChartLibrary } from '../report/html/chart-library.js';

/**
 * The `--html <file>` of `run` and `analyze`. Created (empty) before any work, so a bad path fails at once,
 * and the chart library is read then too; the report is written when the work ends. A file that cannot be
 * written is exit 2, naming it.
 */
export class HtmlReportFile {
  private constructor(
    private readonly path: string,
    readonly library: ChartLibrary,
  ) {}

  static open(path: string): HtmlReportFile {
    if (path === '-') throw new InputError('--html: give a file name, e.g. --html report.html (the report cannot go to stdout)');
    const file = new HtmlReportFile(path, loadChartLibrary());
    file.write('');
    return file;
  }

  write(html: string): void {
    try {
      writeFileSync(this.path, html);
    } catch (error) {
      throw new InputError(`--html ${this.path}: cannot write there (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
}
