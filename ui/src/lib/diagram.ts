// Where the diagram's nodes go: columns by what a node is (the client, the APIs, their routes
// or resources, methods, functions, then tables and roles), rows in the lesson's order; and the
// path of each edge between two boxes.
import type { DiagramEdge, DiagramNode, DiagramView } from "./bindings";

export const BOX = { width: 128, height: 42 };
const GAP = { x: 28, y: 14 };
const MARGIN = 16;

/** The column of each kind of node, before empty columns are dropped. */
const COLUMN: Record<string, number> = {
  client: 0,
  bucket: 0,
  "api-key": 0,
  "usage-plan": 0,
  "http-api": 1,
  "websocket-api": 1,
  "rest-api": 1,
  stage: 1,
  route: 2,
  resource: 2,
  method: 3,
  function: 4,
  table: 5,
  role: 5,
  "user-pool": 5,
};

export interface Placed extends DiagramNode {
  x: number;
  y: number;
}

export interface Layout {
  nodes: Placed[];
  edges: (DiagramEdge & { path: string })[];
  width: number;
  height: number;
}

/** Places the diagram's nodes and draws its edges. */
export function layout(diagram: DiagramView): Layout {
  const used = [...new Set(diagram.nodes.map((node) => COLUMN[node.kind] ?? 5))].sort((a, b) => a - b);
  const rows = new Map<number, number>();
  const nodes: Placed[] = diagram.nodes.map((node) => {
    const column = used.indexOf(COLUMN[node.kind] ?? 5);
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    return {
      ...node,
      x: MARGIN + column * (BOX.width + GAP.x),
      y: MARGIN + row * (BOX.height + GAP.y),
    };
  });
  const at = new Map(nodes.map((node) => [node.id, node]));
  const edges = diagram.edges.flatMap((edge) => {
    const from = at.get(edge.from);
    const to = at.get(edge.to);
    return from && to ? [{ ...edge, path: path(from, to) }] : [];
  });
  const width = Math.max(...nodes.map((node) => node.x + BOX.width), 0) + MARGIN;
  const height = Math.max(...nodes.map((node) => node.y + BOX.height), 0) + MARGIN;
  return { nodes, edges, width, height };
}

/** A curve from one box to another: side to side across columns, around the left within one. */
function path(from: Placed, to: Placed): string {
  const midY = (node: Placed) => node.y + BOX.height / 2;
  if (from.x === to.x) {
    const x = from.x;
    const bend = x - 24;
    return `M ${x} ${midY(from)} C ${bend} ${midY(from)}, ${bend} ${midY(to)}, ${x} ${midY(to)}`;
  }
  const forward = to.x > from.x;
  const x1 = forward ? from.x + BOX.width : from.x;
  const x2 = forward ? to.x : to.x + BOX.width;
  const dx = (x2 - x1) / 2;
  return `M ${x1} ${midY(from)} C ${x1 + dx} ${midY(from)}, ${x2 - dx} ${midY(to)}, ${x2} ${midY(to)}`;
}

/** What a node's kind is called, as its service names it. */
export function service(kind: string): string {
  switch (kind) {
    case "function":
      return "Lambda";
    case "table":
      return "DynamoDB";
    case "role":
      return "IAM role";
    case "client":
      return "You";
    case "http-api":
      return "HTTP API";
    case "websocket-api":
      return "WebSocket API";
    case "rest-api":
      return "REST API";
    case "user-pool":
      return "Cognito";
    case "bucket":
      return "S3";
    default:
      return kind.replace("-", " ");
  }
}

/** The nodes a request went through: those whose resource `path` names (an API's id, a
 * function's or table's name), and the client when it names any. */
export function litNodes(nodes: DiagramNode[], path: string[]): string[] {
  if (path.length === 0) return [];
  const named = new Set(path);
  return nodes
    .filter((node) => node.kind === "client" || (node.physical_id !== null && named.has(node.physical_id)))
    .map((node) => node.id);
}

/** The style properties a drawn diagram needs outside the window's stylesheet. */
const KEPT_STYLES = ["fill", "stroke", "stroke-width", "stroke-dasharray", "opacity", "font-size", "font-family", "text-decoration"];

/** The drawn diagram as a standalone SVG document: each element carries its computed style. */
export function standalone(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...svg.querySelectorAll("*")];
  const copies = [copy, ...copy.querySelectorAll("*")];
  originals.forEach((element, i) => {
    const computed = getComputedStyle(element);
    const style = KEPT_STYLES.map((name) => `${name}:${computed.getPropertyValue(name)}`).join(";");
    copies[i]?.setAttribute("style", style);
    copies[i]?.removeAttribute("class");
  });
  const box = svg.viewBox.baseVal;
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.setAttribute("width", String(box.width));
  copy.setAttribute("height", String(box.height));
  const background = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  background.setAttribute("width", "100%");
  background.setAttribute("height", "100%");
  background.setAttribute("fill", getComputedStyle(document.body).backgroundColor || "#fff");
  copy.insertBefore(background, copy.firstChild);
  return new XMLSerializer().serializeToString(copy);
}

/** A standalone SVG drawn at twice its size into a PNG, as base64. */
export async function png(text: string, svg: SVGSVGElement): Promise<string> {
  const box = svg.viewBox.baseVal;
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(box.width * 2);
  canvas.height = Math.round(box.height * 2);
  const context = canvas.getContext("2d");
  if (!context) throw { code: "internal", message: "This window cannot draw a PNG." };
  context.scale(2, 2);
  context.drawImage(image, 0, 0);
  return canvas.toDataURL("image/png").replace(/^data:image\/png;base64,/, "");
}
