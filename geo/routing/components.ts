import type { RoadGraph } from './graph.ts';

/**
 * Strongly connected components of the road graph (pure; lives here because geo/routing belongs to
 * another part). A van must drive base → site → … → base, so its stops must all lie in one strongly
 * connected component: a node in a one-way island reaches, or is reached from, only a few nodes.
 * Iterative Tarjan (no recursion: a city network has tens of thousands of nodes), O(nodes + arcs).
 */

/** Component number of each internal node index (0 … count − 1) and each component's size. */
export interface Components {
  componentOf: Int32Array;
  sizes: number[];
  /** The number of the largest component (the lowest-numbered one on a tie); −1 for an empty graph. */
  largest: number;
}

export function stronglyConnectedComponents(graph: RoadGraph): Components {
  const n = graph.nodeIds.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const componentOf = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  let stackSize = 0;
  // The depth-first path: node and the next arc of it to look at.
  const callNode = new Int32Array(n);
  const callArc = new Int32Array(n);
  const sizes: number[] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    callNode[0] = root;
    callArc[0] = graph.firstArc[root]!;
    index[root] = low[root] = counter++;
    stack[stackSize++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const u = callNode[depth]!;
      const a = callArc[depth]!;
      if (a < graph.firstArc[u + 1]!) {
        callArc[depth] = a + 1;
        const v = graph.arcHead[a]!;
        if (index[v] === -1) {
          index[v] = low[v] = counter++;
          stack[stackSize++] = v;
          onStack[v] = 1;
          depth++;
          callNode[depth] = v;
          callArc[depth] = graph.firstArc[v]!;
        } else if (onStack[v]) {
          low[u] = Math.min(low[u]!, index[v]!);
        }
        continue;
      }
      // All of u's arcs done: u roots a component if nothing below it reached higher up.
      if (low[u] === index[u]) {
        const c = sizes.length;
        let size = 0;
        let w: number;
        do {
          w = stack[--stackSize]!;
          onStack[w] = 0;
          componentOf[w] = c;
          size++;
        } while (w !== u);
        sizes.push(size);
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth]!;
        low[parent] = Math.min(low[parent]!, low[u]!);
      }
    }
  }
  let largest = -1;
  sizes.forEach((size, c) => {
    if (largest === -1 || size > sizes[largest]!) largest = c;
  });
  return { componentOf, sizes, largest };
}

/** True when the node id is in the graph's largest strongly connected component. */
export function inLargestComponent(graph: RoadGraph, components: Components, nodeId: number): boolean {
  const i = graph.indexOf.get(nodeId);
  return i !== undefined && components.componentOf[i] === components.largest;
}
