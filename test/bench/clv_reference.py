#!/usr/bin/env python3
"""Reference BG/NBD fit for the benchmark: numpy + scipy L-BFGS-B on the vectorised log-likelihood.

usage: python3 test/bench/clv_reference.py ROWS.csv
ROWS.csv has the header x,tx,T (one row per customer, no aggregation, as lifetimes does).
Prints one JSON object: fit seconds (load excluded), log-likelihood, parameters, optimiser status.
Same likelihood (Fader, Hardie & Lee 2005, in log space), same log-parameter space, analytic gradient,
one start at the data-informed point the TypeScript fitter also uses first.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln


def negll_and_grad(theta, x, tx, T):
    r, alpha, a, b = np.exp(theta)
    n = x.size
    ln_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    ln_a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    ln_at = np.log(alpha + T)
    ln_atx = np.log(alpha + tx)
    l3 = -(r + x) * ln_at
    has = x > 0
    l4 = np.where(has, np.log(a) - np.log(np.where(has, b + x - 1, 1.0)) - (r + x) * ln_atx, -np.inf)
    lse = np.logaddexp(l3, l4)
    ll = np.sum(ln_a1 + ln_a2 + lse)
    w4 = np.exp(l4 - lse)
    w3 = 1.0 - w4
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * ln_at - w4 * ln_atx
    d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + tx)
    d_a = digamma(a + b) - digamma(a + b + x) + w4 / a
    d_b = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w4 / np.where(has, b + x - 1, 1.0)
    grad = np.array([d_r.sum() * r, d_alpha.sum() * alpha, d_a.sum() * a, d_b.sum() * b])
    return -ll / n, -grad / n


def main():
    data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, ndmin=2)
    x, tx, T = data[:, 0], data[:, 1], data[:, 2]
    start = time.perf_counter()
    rate = max(x.sum(), 1.0) / T.sum()
    theta0 = np.array([0.0, np.log(1.0 / rate), 0.0, 0.0])
    res = minimize(negll_and_grad, theta0, args=(x, tx, T), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-7, "maxiter": 1000})
    seconds = time.perf_counter() - start
    r, alpha, a, b = np.exp(res.x)
    print(json.dumps({
        "seconds": seconds,
        "logLikelihood": -res.fun * x.size,
        "params": {"r": r, "alpha": alpha, "a": a, "b": b},
        "success": bool(res.success),
        "iterations": int(res.nit),
        "customers": int(x.size),
    }))


if __name__ == "__main__":
    main()
