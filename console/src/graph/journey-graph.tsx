/**
 * The journey graph as SVG, laid out here in layers from top to bottom: each state sits one layer
 * below the deepest state that leads to it along a forward edge (a loop's way back is drawn, but not
 * followed), and states in a layer are ordered by the mean position of their parents to keep edges
 * short. Loaded with `import()` by the journey page only. Each node is focusable and names itself
 * with its state, type and count.
 */
import type { GraphEdge, GraphNode, JourneyGraph } from '../../../shared/domain/journeys/admin.js';

const W = 176;
const H = 46;
const GAP_X = 28;
const GAP_Y = 46;

interface Placed extends GraphNode {
  x: number;
  y: number;
}

/** Layers by longest path from the start over a depth-first spanning of forward edges. */
export function layout(graph: JourneyGraph): { nodes: Placed[]; width: number; height: number } {
  const out = new Map<string, GraphEdge[]>();
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const start = graph.nodes.find((n) => n.start)?.id ?? graph.nodes[0]?.id;
  // Back edges (to a state on the current DFS path) are the loops: left out of the layering.
  const back = new Set<GraphEdge>();
  const state = new Map<string, 'open' | 'done'>();
  const order: string[] = [];
  const visit = (id: string) => {
    state.set(id, 'open');
    for (const e of out.get(id) ?? []) {
      const s = state.get(e.to);
      if (s === 'open') back.add(e);
      else if (!s) visit(e.to);
    }
    state.set(id, 'done');
    order.push(id);
  };
  if (start) visit(start);
  for (const n of graph.nodes) if (!state.has(n.id)) visit(n.id);
  const layer = new Map<string, number>();
  for (const id of order.reverse()) {
    layer.set(id, layer.get(id) ?? 0);
    for (const e of out.get(id) ?? []) {
      if (back.has(e)) continue;
      layer.set(e.to, Math.max(layer.get(e.to) ?? 0, layer.get(id)! + 1));
    }
  }
  const rows: string[][] = [];
  for (const n of graph.nodes) {
    const l = layer.get(n.id) ?? 0;
    const row = rows[l] ?? [];
    row.push(n.id);
    rows[l] = row;
  }
  const pos = new Map<string, number>();
  const parents = new Map<string, string[]>();
  for (const e of graph.edges) if (!back.has(e)) parents.set(e.to, [...(parents.get(e.to) ?? []), e.from]);
  for (const row of rows) {
    if (!row) continue;
    const weight = (id: string) => {
      const ps = (parents.get(id) ?? []).map((p) => pos.get(p)).filter((v): v is number => v !== undefined);
      return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : 0;
    };
    row.sort((a, b) => weight(a) - weight(b));
    row.forEach((id, i) => {
      pos.set(id, i - (row.length - 1) / 2);
    });
  }
  const widest = Math.max(1, ...rows.map((r) => r?.length ?? 0));
  const width = widest * (W + GAP_X) + GAP_X;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const nodes: Placed[] = [];
  rows.forEach((row, l) => {
    for (const id of row ?? []) {
      nodes.push({
        ...byId.get(id)!,
        x: width / 2 + pos.get(id)! * (W + GAP_X) - W / 2,
        y: GAP_Y / 2 + l * (H + GAP_Y),
      });
    }
  });
  return { nodes, width, height: rows.length * (H + GAP_Y) };
}

const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export default function JourneyGraphView(props: {
  graph: JourneyGraph;
  counts: Readonly<Record<string, number>>;
  current: Readonly<Record<string, number>>;
  sampled: number;
  selected?: string;
  onSelect?: (state: string) => void;
}) {
  const { nodes, width, height } = layout(props.graph);
  const at = new Map(nodes.map((n) => [n.id, n]));
  return (
    // biome-ignore lint/a11y/useSemanticElements: an SVG drawing groups its nodes with role=group
    <svg
      class="journey-graph"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="group"
      aria-label={`Journey graph: ${nodes.length} states; counts are executions that entered each state, of the latest ${props.sampled}`}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
        </marker>
      </defs>
      <g class="edges">
        {props.graph.edges.map((e, i) => {
          const a = at.get(e.from);
          const b = at.get(e.to);
          if (!a || !b) return null;
          const x1 = a.x + W / 2;
          const y1 = a.y + H;
          const x2 = b.x + W / 2;
          const y2 = b.y;
          const up = y2 <= y1;
          const d = up
            ? `M${a.x + W},${a.y + H / 2} C${a.x + W + 60},${a.y + H / 2} ${b.x + W + 60},${b.y + H / 2} ${b.x + W},${b.y + H / 2}`
            : `M${x1},${y1} C${x1},${y1 + GAP_Y / 2} ${x2},${y2 - GAP_Y / 2} ${x2},${y2}`;
          return (
            <path key={i} d={d} class={`edge ${e.kind}`} marker-end="url(#arrow)">
              {e.label && <title>{e.label}</title>}
            </path>
          );
        })}
      </g>
      {nodes.map((n) => {
        const count = props.counts[n.id] ?? 0;
        const now = props.current[n.id] ?? 0;
        const name = `${n.id}, ${n.type} state: entered by ${count}${now ? `, ${now} there now` : ''}`;
        return (
          // biome-ignore lint/a11y/useSemanticElements: an SVG node cannot be a <button>; it takes its role and keys
          <g
            key={n.id}
            class={`node ${n.type.toLowerCase()}${props.selected === n.id ? ' selected' : ''}${count === 0 ? ' unvisited' : ''}`}
            transform={`translate(${n.x},${n.y})`}
            tabindex={0}
            role="button"
            aria-label={name}
            aria-pressed={props.selected === n.id}
            onClick={() => props.onSelect?.(n.id)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                props.onSelect?.(n.id);
              }
            }}
          >
            <rect width={W} height={H} rx={n.type === 'Choice' ? 18 : 6} />
            <text x={8} y={18} class="node-name">
              {short(n.id, 24)}
            </text>
            <text x={8} y={36} class="node-meta">
              {n.type} · {count}
              {now ? ` · ${now} now` : ''}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
