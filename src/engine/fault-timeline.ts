import type { FaultWindow } from '../result/run-result.js';
import type { FaultSpec } from '../scenario/scenario.js';

/** One edge of a fault window: the fault (index into the scenario's list) starts or ends. */
export interface FaultEdge {
  time: number;
  fault: number;
  starts: boolean;
}

/** Every start and end of the scenario's fault windows, in time order (a crash that restarts at once has one edge). */
export function faultEdges(faults: readonly FaultSpec[]): FaultEdge[] {
  const edges: FaultEdge[] = [];
  for (const [fault, spec] of faults.entries()) {
    edges.push({ time: spec.at, fault, starts: true });
    if (spec.duration > 0) edges.push({ time: spec.at + spec.duration, fault, starts: false });
  }
  // Stable: at one instant, ends before starts, so back-to-back windows of one kind do not cancel out.
  return edges.sort((a, b) => a.time - b.time || Number(a.starts) - Number(b.starts));
}

/** The scenario's faults as the result reports them (shaded in reports). */
export function faultWindows(faults: readonly FaultSpec[]): FaultWindow[] {
  return faults.map((f) => ({
    kind: f.type,
    start_ms: f.at,
    end_ms: f.at + f.duration,
    detail:
      f.type === 'db-slow'
        ? `db latency × ${f.factor}`
        : f.type === 'cache-slow'
          ? `shared tier + ${f.latency} ms`
        : f.type === 'node-crash'
          ? `node ${f.node}${f.duration > 0 ? ' down' : ', restarted at once'}`
          : f.type === 'cache-down'
            ? 'shared tier unreachable'
            : f.type === 'db-down'
              ? 'database unreachable'
              : 'pub/sub messages lost',
  }));
}
