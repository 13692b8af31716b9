import type { RunResult } from '../../result/run-result.js';
import { formatCount, formatDuration, formatPercent } from '../number-format.js';
import { escapeHtml } from './html-text.js';

export interface SummaryCard {
  label: string;
  value: string;
  detail: string;
  /** pass / fail colour the card (thresholds, lost writes); neutral otherwise. */
  status?: 'pass' | 'fail';
}

/**
 * The numbers a reader looks at first, one card each: hit rate, p99, what the cache took off the
 * database, staleness and the gate; then, when the run has them, the tiers, pub/sub invalidation,
 * write-behind and errors.
 */
export function summaryCards(run: RunResult): SummaryCard[] {
  const { metrics, baseline } = run;
  const cards: SummaryCard[] = [
    { label: 'hit rate', value: formatPercent(metrics.hit_rate), detail: `byte hit rate ${formatPercent(metrics.byte_hit_rate)}` },
    {
      label: 'latency p99',
      value: formatDuration(metrics.latency_ms?.p99),
      detail: metrics.latency_ms === null ? 'not timed (hit-ratio replay)' : `no cache: ${formatDuration(baseline.latency_ms?.p99)}`,
    },
    {
      label: 'DB offload',
      value: formatPercent(metrics.offload),
      detail: `DB reads ${formatCount(metrics.db.reads)} vs ${formatCount(baseline.db.reads)} without cache`,
    },
    {
      label: 'stale rate',
      value: formatPercent(metrics.staleness.stale_rate),
      detail: `${formatCount(metrics.staleness.stale_reads)} stale reads, age p99 ${formatDuration(metrics.staleness.age_ms.p99)}`,
    },
    thresholdCard(run),
  ];

  const tiers = metrics.tiers;
  for (const [name, tier] of [['L1', tiers?.l1], ['L2', tiers?.l2]] as const) {
    if (tier === undefined || tier === null) continue;
    cards.push({
      label: `${name} hit rate`,
      value: formatPercent(tier.hit_rate),
      detail: `${formatCount(tier.hits)} hits of ${formatCount(tier.lookups)} lookups, ${formatCount(tier.evictions)} evictions`,
    });
  }
  if (metrics.invalidation !== undefined) {
    const { sent, received, lost } = metrics.invalidation;
    cards.push({
      label: 'invalidation messages',
      value: formatCount(sent),
      detail: `sent; ${formatCount(received)} received, ${formatCount(lost)} lost`,
      ...(lost > 0 ? { status: 'fail' as const } : {}),
    });
  }
  if (metrics.write_behind !== undefined) {
    const { lost_writes, max_pending, flushed_writes } = metrics.write_behind;
    cards.push({
      label: 'lost writes',
      value: formatCount(lost_writes),
      detail: `write-behind: ${formatCount(flushed_writes)} flushed, at most ${formatCount(max_pending)} pending`,
      status: lost_writes > 0 ? 'fail' : 'pass',
    });
  }
  if (metrics.errors > 0) {
    cards.push({
      label: 'errors',
      value: formatCount(metrics.errors),
      detail: `${formatPercent(metrics.errors / Math.max(1, metrics.requests))} of requests failed (DB timeouts ${formatCount(metrics.db.timeouts)})`,
      status: 'fail',
    });
  }
  return cards;
}

function thresholdCard(run: RunResult): SummaryCard {
  const total = run.thresholds.length;
  if (total === 0) return { label: 'thresholds', value: 'none', detail: 'the scenario sets no thresholds' };
  const failed = run.thresholds.filter((t) => !t.pass).length;
  return failed === 0
    ? { label: 'thresholds', value: 'pass', detail: `all ${total} passed`, status: 'pass' }
    : { label: 'thresholds', value: 'fail', detail: `${failed} of ${total} failed`, status: 'fail' };
}

export function renderSummaryCards(cards: SummaryCard[]): string {
  const items = cards.map(
    (card) =>
      `<div class="card${card.status === undefined ? '' : ` ${card.status}`}"><div class="label">${escapeHtml(card.label)}</div>` +
      `<div class="value">${escapeHtml(card.value)}</div><div class="detail">${escapeHtml(card.detail)}</div></div>`,
  );
  return `<div class="cards">\n${items.join('\n')}\n</div>`;
}
