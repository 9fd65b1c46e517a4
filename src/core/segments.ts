/**
 * Segment is one executor's exact share of a plan: it owns every global index i (user, arrival or
 * request) with `i % count === index`. Shares over all segments add up to exactly the whole, with
 * no remainder lost, and interleaving the indexes staggers starts evenly (user 0 on worker 0, user 1
 * on worker 1, ...). Distributed runs nest agents and workers into one flat segment list.
 */
export interface Segment {
  readonly index: number;
  readonly count: number;
}

/** shareOf returns how many of the indexes 0..total-1 belong to the segment (10 over 3: 4, 3, 3). */
export function shareOf(total: number, segment: Segment): number {
  if (total <= segment.index) return 0;
  return Math.floor((total - 1 - segment.index) / segment.count) + 1;
}

/** globalIndex maps the segment's k-th local index to its global index. */
export function globalIndex(local: number, segment: Segment): number {
  return segment.index + local * segment.count;
}

/** splitSegment splits a segment into `parts` sub-segments (an agent's segment over its workers). */
export function splitSegment(segment: Segment, parts: number): Segment[] {
  return Array.from({ length: parts }, (_, k) => ({ index: segment.index + k * segment.count, count: segment.count * parts }));
}

/** wholeSegment is the segment that owns everything. */
export const wholeSegment: Segment = { index: 0, count: 1 };
