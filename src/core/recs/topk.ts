/**
 * The k best items of a score vector, skipping excluded ones; ties go to the more popular item, then
 * to the lower index, so every model's list is deterministic and filled even where scores are all 0.
 */
export function topK(
  scores: Float32Array,
  k: number,
  excluded: Uint8Array,
  popularity: Float32Array,
  candidates?: Int32Array,
): Int32Array {
  const better = (a: number, b: number) =>
    scores[a]! > scores[b]! ||
    (scores[a] === scores[b] && (popularity[a]! > popularity[b]! || (popularity[a] === popularity[b] && a < b)));
  // A min-heap (worst kept item on top) of at most k items.
  const heap: number[] = [];
  const push = (item: number) => {
    if (heap.length < k) {
      heap.push(item);
      let at = heap.length - 1;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!better(heap[parent]!, heap[at]!)) break;
        [heap[parent], heap[at]] = [heap[at]!, heap[parent]!];
        at = parent;
      }
    } else if (better(item, heap[0]!)) {
      heap[0] = item;
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        const right = left + 1;
        let worst = at;
        if (left < heap.length && better(heap[worst]!, heap[left]!)) worst = left;
        if (right < heap.length && better(heap[worst]!, heap[right]!)) worst = right;
        if (worst === at) break;
        [heap[worst], heap[at]] = [heap[at]!, heap[worst]!];
        at = worst;
      }
    }
  };
  if (k <= 0) return new Int32Array(0);
  if (candidates) {
    for (const item of candidates) if (!excluded[item]) push(item);
  } else {
    for (let item = 0; item < scores.length; item++) if (!excluded[item]) push(item);
  }
  return Int32Array.from(heap.sort((a, b) => (better(a, b) ? -1 : 1)));
}
