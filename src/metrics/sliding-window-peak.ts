/**
 * The largest number of events inside any window of `widthMs` on the run's clock (db.qps_peak with a
 * 1-second window). Events must arrive in non-decreasing time order, as a discrete-event simulation
 * delivers them; the window slides continuously, so the peak is over every window, not only aligned ones.
 */
export class SlidingWindowPeak {
  private times = new Float64Array(1024);
  private head = 0;
  private size = 0;
  peak = 0;

  constructor(private readonly widthMs: number) {}

  record(time: number): void {
    const oldest = time - this.widthMs;
    while (this.size > 0 && this.times[this.head] <= oldest) {
      this.head = (this.head + 1) & (this.times.length - 1);
      this.size--;
    }
    if (this.size === this.times.length) this.grow();
    this.times[(this.head + this.size) & (this.times.length - 1)] = time;
    this.size++;
    if (this.size > this.peak) this.peak = this.size;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    for (let i = 0; i < this.size; i++) times[i] = this.times[(this.head + i) & (this.times.length - 1)];
    this.times = times;
    this.head = 0;
  }
}
