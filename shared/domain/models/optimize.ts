/**
 * Unconstrained minimisation: L-BFGS with a strong-Wolfe line search (Nocedal & Wright,
 * Numerical Optimization, 2nd ed., algorithms 3.5, 3.6 and 7.4), deterministic multi-start, and
 * a plain Nelder-Mead simplex kept as the naive baseline the tests compare against.
 */

/** Value and gradient of the function being minimised at one point. */
export interface Evaluation {
  value: number;
  gradient: number[];
}

/** A smooth objective; may return a non-finite value outside its domain (the line search backs off). */
export type Objective = (x: readonly number[]) => Evaluation;

export interface LbfgsOptions {
  /** Converged when the largest absolute gradient component is at or below this. */
  gradientTolerance?: number;
  maxIterations?: number;
  /** Number of (s, y) correction pairs kept. */
  memory?: number;
}

export type StopReason = 'gradient' | 'no-progress' | 'max-iterations' | 'line-search-failed';

export interface MinimizeResult {
  x: number[];
  value: number;
  gradient: number[];
  /** Infinity norm of the final gradient. */
  gradientNorm: number;
  iterations: number;
  evaluations: number;
  /** True only when the gradient-norm test passed. */
  converged: boolean;
  reason: StopReason;
}

const dot = (a: readonly number[], b: readonly number[]): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const infNorm = (a: readonly number[]): number => {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
};

interface Trial {
  alpha: number;
  x: number[];
  value: number;
  gradient: number[];
  slope: number;
}

/** Cubic interpolation minimiser between two trials, safeguarded to the inner 80 % of the bracket. */
function interpolate(lo: Trial, hi: Trial): number {
  const d1 = lo.slope + hi.slope - (3 * (lo.value - hi.value)) / (lo.alpha - hi.alpha);
  const disc = d1 * d1 - lo.slope * hi.slope;
  const left = Math.min(lo.alpha, hi.alpha);
  const width = Math.abs(hi.alpha - lo.alpha);
  let alpha = Number.NaN;
  if (disc >= 0 && Number.isFinite(hi.value)) {
    const d2 = Math.sign(hi.alpha - lo.alpha) * Math.sqrt(disc);
    alpha = hi.alpha - (hi.alpha - lo.alpha) * ((hi.slope + d2 - d1) / (hi.slope - lo.slope + 2 * d2));
  }
  if (!Number.isFinite(alpha) || alpha < left + 0.1 * width || alpha > left + 0.9 * width) {
    alpha = (lo.alpha + hi.alpha) / 2;
  }
  return alpha;
}

/**
 * Strong-Wolfe line search along `direction`; returns the accepted trial, or the best trial with
 * sufficient decrease when the curvature condition cannot be met, or undefined when nothing decreased.
 */
function lineSearch(
  objective: Objective,
  x: readonly number[],
  value: number,
  slope0: number,
  direction: readonly number[],
  initialStep: number,
  counter: { evaluations: number },
): Trial | undefined {
  const c1 = 1e-4;
  const c2 = 0.9;
  const at = (alpha: number): Trial => {
    const xn = x.map((xi, i) => xi + alpha * direction[i]!);
    counter.evaluations++;
    const e = objective(xn);
    const ok = Number.isFinite(e.value) && e.gradient.every(Number.isFinite);
    return {
      alpha,
      x: xn,
      value: ok ? e.value : Number.POSITIVE_INFINITY,
      gradient: e.gradient,
      slope: ok ? dot(e.gradient, direction) : Number.NaN,
    };
  };
  const armijo = (t: Trial): boolean => t.value <= value + c1 * t.alpha * slope0;
  let best: Trial | undefined;
  const consider = (t: Trial): void => {
    if (armijo(t) && (!best || t.value < best.value)) best = t;
  };

  const zoom = (lo: Trial, hi: Trial): Trial | undefined => {
    for (let i = 0; i < 40; i++) {
      const t = at(interpolate(lo, hi));
      consider(t);
      if (!armijo(t) || t.value >= lo.value) {
        hi = t;
      } else {
        if (Math.abs(t.slope) <= -c2 * slope0) return t;
        if (t.slope * (hi.alpha - lo.alpha) >= 0) hi = lo;
        lo = t;
      }
      if (Math.abs(hi.alpha - lo.alpha) < 1e-16 * Math.max(1, lo.alpha)) break;
    }
    return best;
  };

  let prev: Trial = { alpha: 0, x: [...x], value, gradient: [], slope: slope0 };
  let alpha = initialStep;
  for (let i = 0; i < 60; i++) {
    const t = at(alpha);
    consider(t);
    if (!Number.isFinite(t.value)) {
      // Outside the domain: bracket between the last good point and this one.
      return zoom(prev, t);
    }
    if (!armijo(t) || (i > 0 && t.value >= prev.value)) return zoom(prev, t);
    if (Math.abs(t.slope) <= -c2 * slope0) return t;
    if (t.slope >= 0) return zoom(t, prev);
    prev = t;
    alpha *= 2;
  }
  return best;
}

/** Minimises `objective` from `x0` by L-BFGS; never throws on numerical trouble, reports it in `reason`. */
export function lbfgs(
  objective: Objective,
  x0: readonly number[],
  options: LbfgsOptions = {},
): MinimizeResult {
  const gtol = options.gradientTolerance ?? 1e-7;
  const maxIterations = options.maxIterations ?? 1000;
  const memory = options.memory ?? 10;
  const counter = { evaluations: 1 };
  let x = [...x0];
  let { value, gradient } = objective(x);
  const ss: number[][] = [];
  const ys: number[][] = [];
  const rhos: number[] = [];
  let reason: StopReason = 'max-iterations';
  let iterations = 0;
  if (!Number.isFinite(value)) {
    return {
      x,
      value,
      gradient,
      gradientNorm: Number.POSITIVE_INFINITY,
      iterations,
      evaluations: 1,
      converged: false,
      reason: 'line-search-failed',
    };
  }
  for (; iterations < maxIterations; iterations++) {
    if (infNorm(gradient) <= gtol) {
      reason = 'gradient';
      break;
    }
    // Two-loop recursion: direction = −H·g.
    const q = [...gradient];
    const alphas: number[] = new Array(ss.length);
    for (let k = ss.length - 1; k >= 0; k--) {
      const a = rhos[k]! * dot(ss[k]!, q);
      alphas[k] = a;
      for (let i = 0; i < q.length; i++) q[i]! -= a * ys[k]![i]!;
    }
    const last = ss.length - 1;
    const scale =
      last >= 0 ? dot(ss[last]!, ys[last]!) / dot(ys[last]!, ys[last]!) : 1 / Math.max(1, infNorm(gradient));
    for (let i = 0; i < q.length; i++) q[i]! *= scale;
    for (let k = 0; k < ss.length; k++) {
      const b = rhos[k]! * dot(ys[k]!, q);
      for (let i = 0; i < q.length; i++) q[i]! += ss[k]![i]! * (alphas[k]! - b);
    }
    let direction = q.map((v) => -v);
    let slope = dot(gradient, direction);
    if (!(slope < 0)) {
      // Not a descent direction (numerical noise in the curvature pairs): restart with steepest descent.
      ss.length = ys.length = rhos.length = 0;
      direction = gradient.map((g) => -g / Math.max(1, infNorm(gradient)));
      slope = dot(gradient, direction);
    }
    const step = lineSearch(objective, x, value, slope, direction, 1, counter);
    if (!step) {
      reason = 'line-search-failed';
      break;
    }
    const s = step.x.map((v, i) => v - x[i]!);
    const y = step.gradient.map((v, i) => v - gradient[i]!);
    const sy = dot(s, y);
    const decrease = value - step.value;
    x = step.x;
    gradient = step.gradient;
    const previous = value;
    value = step.value;
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      ss.push(s);
      ys.push(y);
      rhos.push(1 / sy);
      if (ss.length > memory) {
        ss.shift();
        ys.shift();
        rhos.shift();
      }
    }
    if (decrease <= 1e-16 * Math.max(1, Math.abs(previous)) && infNorm(gradient) > gtol) {
      reason = 'no-progress';
      iterations++;
      break;
    }
  }
  const gradientNorm = infNorm(gradient);
  if (gradientNorm <= gtol) reason = 'gradient';
  return {
    x,
    value,
    gradient,
    gradientNorm,
    iterations,
    evaluations: counter.evaluations,
    converged: gradientNorm <= gtol,
    reason,
  };
}

export interface MultiStartResult {
  best: MinimizeResult;
  runs: MinimizeResult[];
  /** Runs that converged to within `agreementTolerance` of the best value (evidence of a global optimum). */
  agreeing: number;
}

/**
 * Runs L-BFGS from every start and keeps the lowest converged value (the lowest value overall when
 * none converged). `agreeing` counts runs that ended on the same optimum.
 */
export function multiStartLbfgs(
  objective: Objective,
  starts: readonly (readonly number[])[],
  options: LbfgsOptions & { agreementTolerance?: number } = {},
): MultiStartResult {
  if (starts.length === 0) throw new RangeError('multiStartLbfgs: at least one start is required');
  const runs = starts.map((s) => lbfgs(objective, s, options));
  const rank = (r: MinimizeResult): number => (Number.isFinite(r.value) ? r.value : Number.POSITIVE_INFINITY);
  const converged = runs.filter((r) => r.converged);
  const pool = converged.length > 0 ? converged : runs;
  let best = pool[0]!;
  for (const r of pool) if (rank(r) < rank(best)) best = r;
  const tol = options.agreementTolerance ?? 1e-8;
  const agreeing = runs.filter(
    (r) => Math.abs(r.value - best.value) <= tol * Math.max(1, Math.abs(best.value)),
  ).length;
  return { best, runs, agreeing };
}

export interface NelderMeadOptions {
  maxIterations?: number;
  /** Stop when the simplex values and vertices are within these absolute tolerances (scipy's defaults). */
  fatol?: number;
  xatol?: number;
}

export interface NelderMeadResult {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
}

/**
 * Textbook Nelder-Mead simplex (scipy's initial simplex: +5 % of each coordinate). Kept only as the
 * naive single-start baseline: no gradients, no restarts, stops when the simplex collapses.
 */
export function nelderMead(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const n = x0.length;
  const maxIterations = options.maxIterations ?? 200 * n;
  const fatol = options.fatol ?? 1e-4;
  const xatol = options.xatol ?? 1e-4;
  const safe = (x: readonly number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let simplex: number[][] = [[...x0]];
  for (let i = 0; i < n; i++) {
    const v = [...x0];
    v[i] = v[i]! !== 0 ? v[i]! * 1.05 : 0.00025;
    simplex.push(v);
  }
  let values = simplex.map(safe);
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, i]) => simplex[i]!);
    values = order.map(([v]) => v);
    const bestX = simplex[0]!;
    const spreadF = Math.abs(values[n]! - values[0]!);
    const spreadX = Math.max(...simplex.slice(1).map((v) => infNorm(v.map((vi, i) => vi - bestX[i]!))));
    if (spreadF <= fatol && spreadX <= xatol) {
      converged = true;
      break;
    }
    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i]! += simplex[k]![i]! / n;
    const worst = simplex[n]!;
    const along = (t: number): number[] => centroid.map((c, i) => c + t * (c - worst[i]!));
    const xr = along(1);
    const fr = safe(xr);
    if (fr < values[0]!) {
      const xe = along(2);
      const fe = safe(xe);
      if (fe < fr) {
        simplex[n] = xe;
        values[n] = fe;
      } else {
        simplex[n] = xr;
        values[n] = fr;
      }
    } else if (fr < values[n - 1]!) {
      simplex[n] = xr;
      values[n] = fr;
    } else {
      const outside = fr < values[n]!;
      const xc = along(outside ? 0.5 : -0.5);
      const fc = safe(xc);
      if (fc < (outside ? fr : values[n]!)) {
        simplex[n] = xc;
        values[n] = fc;
      } else {
        for (let k = 1; k <= n; k++) {
          simplex[k] = simplex[k]!.map((v, i) => bestX[i]! + 0.5 * (v - bestX[i]!));
          values[k] = safe(simplex[k]!);
        }
      }
    }
  }
  let bi = 0;
  for (let k = 1; k <= n; k++) if (values[k]! < values[bi]!) bi = k;
  return { x: simplex[bi]!, value: values[bi]!, iterations, converged };
}

/** Hessian by central differences of an analytic gradient, symmetrised. */
export function numericalHessian(
  gradient: (x: readonly number[]) => number[],
  x: readonly number[],
  h = 1e-5,
): number[][] {
  const n = x.length;
  const H: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    const up = [...x];
    const down = [...x];
    up[j] = up[j]! + h;
    down[j] = down[j]! - h;
    const gu = gradient(up);
    const gd = gradient(down);
    for (let i = 0; i < n; i++) H[i]![j] = (gu[i]! - gd[i]!) / (2 * h);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const m = (H[i]![j]! + H[j]![i]!) / 2;
      H[i]![j] = m;
      H[j]![i] = m;
    }
  }
  return H;
}

/** Inverse of a small dense matrix by Gauss-Jordan with partial pivoting; throws when singular. */
export function invertMatrix(m: readonly (readonly number[])[]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    if (Math.abs(a[pivot]![c]!) < 1e-300) throw new RangeError('invertMatrix: singular matrix');
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const row = a[c]!;
    const inv = 1 / row[c]!;
    for (let k = 0; k < 2 * n; k++) row[k] = row[k]! * inv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      if (f === 0) continue;
      for (let k = 0; k < 2 * n; k++) a[r]![k] = a[r]![k]! - f * row[k]!;
    }
  }
  return a.map((row) => row.slice(n));
}

/**
 * Asymptotic standard errors at a maximum-likelihood point: square roots of the diagonal of the
 * inverse observed information (−Hessian of the total log-likelihood), here from its analytic gradient.
 */
export function standardErrors(
  logLikelihoodGradient: (x: readonly number[]) => number[],
  x: readonly number[],
): number[] {
  const H = numericalHessian(logLikelihoodGradient, x);
  const cov = invertMatrix(H.map((row) => row.map((v) => -v)));
  return cov.map((row, i) => Math.sqrt(Math.max(0, row[i]!)));
}
