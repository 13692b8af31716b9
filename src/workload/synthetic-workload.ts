import { InputError } from '../errors.js';
import { RandomSource } from '../random/random-source.js';
import type { SyntheticWorkloadSpec } from '../scenario/scenario.js';
import { type AccessBatch, type AccessStream, OP_SET } from './access-event.js';
import { type ArrivalProcess, createArrivalProcess, isGeneratedArrival } from './arrival-process.js';
import { createKeyDistribution } from './distributions/create-key-distribution.js';
import type { KeyDistribution } from './distributions/key-distribution.js';
import { OperationChooser } from './operation-mix.js';
import { createValueSizeModel, type ValueSizeModel } from './value-size.js';

/**
 * A generated workload: key distribution × operation mix × value sizes × arrival process. Each component
 * draws from its own RandomSource derived from (seed, component), so changing, say, the mix never shifts
 * which keys are drawn, and two streams built from the same spec and seed are identical.
 *
 * The stream ends after `requests` events or at the first arrival at or after `duration` ms, whichever
 * comes first. Without a timed arrival every event has time 0 and `duration` cannot apply.
 */
export class SyntheticWorkload implements AccessStream {
  readonly timed: boolean;
  private readonly keys: KeyDistribution;
  private readonly ops: OperationChooser;
  private readonly sizes: ValueSizeModel;
  private readonly arrivals: ArrivalProcess | null;
  private readonly requestLimit: number;
  private readonly durationLimit: number;
  private emitted = 0;
  private ended = false;

  constructor(spec: SyntheticWorkloadSpec, seed: number) {
    if (spec.requests === null && spec.duration === null) {
      throw new InputError('workload needs requests or duration (or both) to know when to stop');
    }
    if (spec.requests !== null && !(Number.isInteger(spec.requests) && spec.requests >= 0)) {
      throw new InputError(`workload.requests must be a whole number ≥ 0, got ${spec.requests}`);
    }
    if (spec.duration !== null && !(spec.duration >= 0)) {
      throw new InputError(`workload.duration must be ≥ 0 ms, got ${spec.duration}`);
    }
    const arrival = spec.arrival;
    if (arrival.type === 'trace') {
      throw new InputError('arrival "trace" replays a trace\'s timestamps; a synthetic workload needs poisson, constant or none');
    }
    if (spec.duration !== null && arrival.type === 'none') {
      throw new InputError('workload.duration needs a timed arrival: set a rate (poisson or constant), or use requests instead');
    }
    this.keys = createKeyDistribution(spec.distribution, spec.keys, RandomSource.derive(seed, 'keys'));
    this.ops = new OperationChooser(spec.mix, RandomSource.derive(seed, 'ops'));
    this.sizes = createValueSizeModel(spec.value_size, RandomSource.derive(seed, 'sizes'));
    this.arrivals = isGeneratedArrival(arrival) ? createArrivalProcess(arrival, RandomSource.derive(seed, 'arrivals')) : null;
    this.timed = this.arrivals !== null;
    this.requestLimit = spec.requests ?? Number.POSITIVE_INFINITY;
    this.durationLimit = spec.duration ?? Number.POSITIVE_INFINITY;
  }

  get keySpace(): number {
    return this.keys.keySpace;
  }

  next(batch: AccessBatch): number {
    let n = 0;
    if (!this.ended) {
      const { time, key, op, size, ttl } = batch;
      const room = Math.min(batch.capacity, this.requestLimit - this.emitted);
      const keys = this.keys;
      const ops = this.ops;
      const sizes = this.sizes;
      const arrivals = this.arrivals;
      while (n < room) {
        const t = arrivals === null ? 0 : arrivals.next();
        if (t >= this.durationLimit) {
          this.ended = true;
          break;
        }
        const o = ops.next();
        const k = o === OP_SET ? keys.nextWriteKey() : keys.nextKey();
        time[n] = t;
        key[n] = k;
        op[n] = o;
        size[n] = sizes.sizeOf(k);
        ttl[n] = 0;
        n++;
      }
      this.emitted += n;
      if (this.emitted >= this.requestLimit) this.ended = true;
    }
    batch.length = n;
    return n;
  }

  keyName(id: number): string {
    return String(id);
  }

  close(): void {}
}
