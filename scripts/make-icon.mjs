#!/usr/bin/env node
// Renders the extension and task icon (128x128 RGBA PNG): a key inside a circular
// refresh arrow on an Azure-blue tile. Pure Node: shapes are signed distance
// functions, anti-aliased by their distance to the pixel centre, encoded with zlib.
//
//   node scripts/make-icon.mjs            writes images/icon.png and tasks/PatLifecycleV1/icon.png
//   node scripts/make-icon.mjs --size 512 --out /tmp/big.png   (a larger preview)
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---- geometry (all in a 128-unit design space) ----------------------------
const length = (x, y) => Math.hypot(x, y);
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

function sdCircle(px, py, cx, cy, r) {
  return length(px - cx, py - cy) - r;
}

function sdRoundBox(px, py, cx, cy, hw, hh, r) {
  const qx = Math.abs(px - cx) - hw + r;
  const qy = Math.abs(py - cy) - hh + r;
  return length(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function sdSegment(px, py, ax, ay, bx, by, r) {
  const pax = px - ax, pay = py - ay, bax = bx - ax, bay = by - ay;
  const h = clamp((pax * bax + pay * bay) / (bax * bax + bay * bay), 0, 1);
  return length(pax - bax * h, pay - bay * h) - r;
}

/** A stroked arc of a circle, from angle a0 to a1 (radians, counter-clockwise in math terms, y down). */
function sdArc(px, py, cx, cy, radius, a0, a1, halfWidth) {
  const dx = px - cx, dy = py - cy;
  let a = Math.atan2(dy, dx);
  const span = normAngle(a1 - a0);
  const rel = normAngle(a - a0);
  if (rel <= span) return Math.abs(length(dx, dy) - radius) - halfWidth;
  // Outside the angular range: the nearest end cap (flat ends look better as round here).
  const e0x = cx + radius * Math.cos(a0), e0y = cy + radius * Math.sin(a0);
  const e1x = cx + radius * Math.cos(a1), e1y = cy + radius * Math.sin(a1);
  return Math.min(length(px - e0x, py - e0y), length(px - e1x, py - e1y)) - halfWidth;
}

function normAngle(a) {
  const t = 2 * Math.PI;
  return ((a % t) + t) % t;
}

/** Signed distance to a convex or concave polygon (points as [x, y]). */
function sdPolygon(px, py, pts) {
  let d = Infinity;
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    d = Math.min(d, sdSegment(px, py, xj, yj, xi, yi, 0));
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? -d : d;
}

const union = (...ds) => Math.min(...ds);
const subtract = (a, b) => Math.max(a, -b);

// ---- the picture -----------------------------------------------------------
const C = 64;
const ARC_R = 43;
const ARC_HALF = 5.5;

// Two arcs with a gap at the upper right and lower left, each ending in an arrow head,
// read as "renew". Angles: 0 = right, y grows downwards, so positive angles go clockwise.
const deg = (d) => (d * Math.PI) / 180;
const arcs = [
  { from: deg(-20), to: deg(130) }, // right side down to the lower left
  { from: deg(160), to: deg(310) }, // left side up to the upper right
];

function arrowHead(endAngle) {
  // Tip points along the clockwise tangent at the arc's end.
  const ex = C + ARC_R * Math.cos(endAngle);
  const ey = C + ARC_R * Math.sin(endAngle);
  const tx = -Math.sin(endAngle), ty = Math.cos(endAngle); // clockwise tangent
  const nx = Math.cos(endAngle), ny = Math.sin(endAngle); // outward normal
  const len = 15, half = 12;
  return [
    [ex + tx * len, ey + ty * len],
    [ex + nx * half - tx * 2, ey + ny * half - ty * 2],
    [ex - nx * half - tx * 2, ey - ny * half - ty * 2],
  ];
}
const heads = arcs.map((a) => arrowHead(a.to));

function sdRefresh(x, y) {
  let d = Infinity;
  for (const a of arcs) d = Math.min(d, sdArc(x, y, C, C, ARC_R, a.from, a.to - deg(4), ARC_HALF));
  for (const h of heads) d = Math.min(d, sdPolygon(x, y, h) - 0.8);
  return d;
}

// The key, drawn horizontally around the origin, then rotated by -45 degrees and centred.
const KEY_ANGLE = deg(-45);
function sdKeyLocal(x, y) {
  const bow = sdCircle(x, y, -17, 0, 13);
  const hole = sdCircle(x, y, -20, 0, 5);
  const shaft = sdRoundBox(x, y, 9, 0, 20, 3.6, 1.5);
  const bit1 = sdRoundBox(x, y, 22, 6.5, 3, 5, 1);
  const bit2 = sdRoundBox(x, y, 14, 5.5, 2.5, 4, 1);
  return subtract(union(bow, shaft, bit1, bit2), hole);
}
function sdKey(x, y) {
  const dx = x - C, dy = y - C;
  const c = Math.cos(-KEY_ANGLE), s = Math.sin(-KEY_ANGLE);
  return sdKeyLocal(dx * c - dy * s, dx * s + dy * c);
}

// Colours (straight RGBA, 0..1).
const top = [0.0, 0.47, 0.83]; // #0078D4
const bottom = [0.0, 0.31, 0.56]; // #004F8F
const white = [1, 1, 1];
const gold = [1.0, 0.78, 0.2]; // #FFC733
const shadow = [0, 0.12, 0.25];

function over(dst, rgb, a) {
  // dst is premultiplied [r, g, b, a]
  dst[0] = rgb[0] * a + dst[0] * (1 - a);
  dst[1] = rgb[1] * a + dst[1] * (1 - a);
  dst[2] = rgb[2] * a + dst[2] * (1 - a);
  dst[3] = a + dst[3] * (1 - a);
}

function render(size) {
  const scale = 128 / size; // design units per pixel
  const px = new Uint8Array(size * size * 4);
  const cov = (d) => clamp(0.5 - d / scale, 0, 1);
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const x = (i + 0.5) * scale;
      const y = (j + 0.5) * scale;
      const dst = [0, 0, 0, 0];
      const tile = sdRoundBox(x, y, 64, 64, 63, 63, 22);
      const t = y / 128;
      const bg = [0, 1, 2].map((k) => top[k] * (1 - t) + bottom[k] * t);
      over(dst, bg, cov(tile));
      // Soft drop shadows keep the white shapes readable at 32 px.
      const inTile = cov(tile);
      over(dst, shadow, 0.28 * inTile * clamp(1 - (sdRefresh(x - 1.5, y - 2) + 1) / 3, 0, 1));
      over(dst, shadow, 0.28 * inTile * clamp(1 - (sdKey(x - 1.5, y - 2) + 1) / 3, 0, 1));
      over(dst, white, cov(sdRefresh(x, y)));
      over(dst, gold, cov(sdKey(x, y)));
      const o = (j * size + i) * 4;
      const a = dst[3];
      px[o] = a > 0 ? Math.round((dst[0] / a) * 255) : 0;
      px[o + 1] = a > 0 ? Math.round((dst[1] / a) * 255) : 0;
      px[o + 2] = a > 0 ? Math.round((dst[2] / a) * 255) : 0;
      px[o + 3] = Math.round(a * 255);
    }
  }
  return px;
}

// ---- PNG encoding ----------------------------------------------------------
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // no interlace
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- main ------------------------------------------------------------------
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const size = Number(opt('--size') ?? 128);
const png = encodePng(size, size, render(size));
const outs = opt('--out')
  ? [resolve(opt('--out'))]
  : [join(root, 'images', 'icon.png'), join(root, 'tasks', 'PatLifecycleV1', 'icon.png')];
for (const out of outs) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, png);
  console.log(`${out} (${size}x${size}, ${png.length} bytes)`);
}
