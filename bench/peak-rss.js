// Loaded with `node --import` into a measured process: reports its peak resident set size on exit.
process.on('exit', () => {
  process.stderr.write(`\npeak_rss_kb=${process.resourceUsage().maxRSS}\n`);
});
