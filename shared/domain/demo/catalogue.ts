/**
 * The demo store's catalogue: a few hundred products of a yarn and felting shop, built from a fixed
 * seed so that `p-0042` names the same product in every demo run whatever `--seed` says (docs and
 * screenshots can point at it).
 */
import { createRng } from '../random.js';

/** One product as the e-commerce events carry it. */
export interface Product {
  readonly productId: string;
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  /** US dollars, cents precision. */
  readonly price: number;
}

interface CategorySpec {
  readonly name: string;
  readonly code: string;
  readonly count: number;
  readonly priceRange: readonly [number, number];
  readonly adjectives: readonly string[];
  readonly nouns: readonly string[];
}

// biome-ignore format: a table reads better in rows
const CATEGORIES: readonly CategorySpec[] = [
  { name: 'Yarn', code: 'YRN', count: 90, priceRange: [6, 32],
    adjectives: ['Merino', 'Alpaca', 'Cashmere-blend', 'Organic cotton', 'Mohair', 'Silk-merino', 'Shetland', 'Bamboo', 'Sock', 'Chunky'],
    nouns: ['DK', 'Aran', 'Fingering', 'Worsted', 'Lace', 'Bulky', 'Sport'] },
  { name: 'Felting', code: 'FLT', count: 45, priceRange: [4, 28],
    adjectives: ['Corriedale', 'Merino', 'Wensleydale', 'Romney', 'Core wool', 'Hand-dyed', 'Natural'],
    nouns: ['roving', 'batt', 'tops', 'felting needles', 'felting mat', 'nuno silk'] },
  { name: 'Needles', code: 'NDL', count: 40, priceRange: [7, 45],
    adjectives: ['Birch', 'Bamboo', 'Stainless', 'Carbon', 'Rosewood', 'Nickel'],
    nouns: ['straight needles', 'circular needles', 'DPN set', 'interchangeable set', 'cable needles'] },
  { name: 'Hooks', code: 'HOK', count: 20, priceRange: [4, 30],
    adjectives: ['Ergonomic', 'Aluminium', 'Steel', 'Wooden', 'Tunisian'],
    nouns: ['crochet hook', 'hook set', 'lace hook'] },
  { name: 'Patterns', code: 'PAT', count: 45, priceRange: [5, 12],
    adjectives: ['Fair Isle', 'Cabled', 'Brioche', 'Lace', 'Colourwork', 'Beginner', 'Top-down', 'Seamless'],
    nouns: ['sweater', 'hat', 'mittens', 'shawl', 'socks', 'cardigan', 'blanket', 'cowl'] },
  { name: 'Kits', code: 'KIT', count: 30, priceRange: [25, 85],
    adjectives: ['Starter', 'Weekend', 'Felted animal', 'Sock', 'Baby blanket', 'Amigurumi', 'Needle-felt landscape'],
    nouns: ['kit', 'gift box', 'project bundle'] },
  { name: 'Notions', code: 'NOT', count: 25, priceRange: [3, 18],
    adjectives: ['Locking', 'Brass', 'Magnetic', 'Folding', 'Silicone'],
    nouns: ['stitch markers', 'row counter', 'tapestry needles', 'scissors', 'point protectors', 'blocking pins'] },
  { name: 'Books', code: 'BOK', count: 15, priceRange: [14, 40],
    adjectives: ['The Complete', 'Modern', 'Nordic', 'Slow', 'Little'],
    nouns: ['Book of Knitting', 'Felting Guide', 'Stitch Dictionary', 'Colour Workbook'] },
  { name: 'Accessories', code: 'ACC', count: 20, priceRange: [9, 60],
    adjectives: ['Linen', 'Waxed canvas', 'Leather', 'Wool felt', 'Cedar'],
    nouns: ['project bag', 'yarn bowl', 'swift', 'ball winder', 'needle roll'] },
];

const COLOURS = ['Heather', 'Moss', 'Oatmeal', 'Rust', 'Indigo', 'Charcoal', 'Sage', 'Plum', 'Ochre', 'Fog'];

const cents = (n: number) => Math.round(n * 100) / 100;

/** Builds the catalogue (about 330 products); the same every call. */
export function buildCatalogue(): readonly Product[] {
  const rng = createRng(0x5eed_ca7a);
  const out: Product[] = [];
  for (const c of CATEGORIES) {
    const names = new Set<string>();
    for (let i = 0; names.size < c.count && i < c.count * 20; i++) {
      const adjective = c.adjectives[rng.int(c.adjectives.length)]!;
      const noun = c.nouns[rng.int(c.nouns.length)]!;
      // Yarn and felting fibre come in colours; a colour keeps names apart where combinations run out.
      const colour = c.code === 'YRN' || c.code === 'FLT' || names.has(`${adjective} ${noun}`);
      const name = colour
        ? `${adjective} ${noun}, ${COLOURS[rng.int(COLOURS.length)]}`
        : `${adjective} ${noun}`;
      if (names.has(name)) continue;
      names.add(name);
      const n = out.length + 1;
      // Prices end in .00, .50 or .95, as shop prices do.
      const base = Math.floor(rng.uniform(c.priceRange[0], c.priceRange[1]));
      const ending = [0, 0.5, 0.95][rng.int(3)]!;
      out.push({
        productId: `p-${String(n).padStart(4, '0')}`,
        sku: `${c.code}-${String(names.size).padStart(3, '0')}`,
        name,
        category: c.name,
        price: cents(base + ending),
      });
    }
  }
  return out;
}

/** The catalogue every demo run uses. */
export const CATALOGUE: readonly Product[] = buildCatalogue();

/** Category names in catalogue order. */
export const CATEGORY_NAMES: readonly string[] = CATEGORIES.map((c) => c.name);

/** Products by category. */
export const PRODUCTS_BY_CATEGORY: ReadonlyMap<string, readonly Product[]> = new Map(
  CATEGORY_NAMES.map((name) => [name, CATALOGUE.filter((p) => p.category === name)]),
);

/** What people type into the shop's search box; some hunt for a coupon (a hesitation signal). */
export const SEARCH_QUERIES: readonly string[] = [
  'merino',
  'chunky yarn',
  'sock yarn',
  'circular needles',
  'felting kit',
  'beginner pattern',
  'alpaca',
  'crochet hook',
  'stitch markers',
  'fair isle',
  'gift',
  'project bag',
];
export const COUPON_QUERIES: readonly string[] = [
  'discount code',
  'coupon',
  'promo code',
  'free shipping deal',
];
