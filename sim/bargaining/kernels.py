"""Compiled kernels of the exact bargaining machinery (:mod:`sim.bargaining.solutions`).

Each kernel loops over the replicates of a block and, for each, over the combinations of
options (the package space's finite part), solving the concave problem left on the continuous
part — scale issues and shares — by a smoothed barrier method (Newton steps along the central
path). The problems are small (a handful of parties and continuous coordinates) and many (a
block of replicates times the combinations), the regime where compiled loops beat array
operations by far; the per-replicate code can then test, branch and stop early.

**The problems.** A package is an option combination ``c`` and a point ``y`` of the continuous
part, ``y = M z + b`` for free coordinates ``z`` inside the polytope ``A z ≤ h_c`` (the scale's
ends and a combination's linked constraints; shares summing to their total). Party i values it

    u_i(c, y) = base_i(c) − Σ_k w_ik·|y_k − x_ik|^p_i           base_i(c) = 1 − Σ_option losses

- ``maximin``: the largest ``t`` with ``u_i − θ_i ≥ ω_i·t`` for every required party (ω > 0):
  with ω = 1 and θ the reservation values, ``t ≥ 0`` iff a zone of agreement exists; with
  weights ω it is Kalai's (1977) proportional solution over the surpluses above θ.
- ``nash``: the largest ``Σ α_i·log(u_i − d_i)`` with ``u_i ≥ f_i`` for every required party:
  the generalised Nash bargaining solution (Nash 1950; Kalai 1977) with disagreement point d
  and the floors f as constraints (Binmore, Rubinstein & Wolinsky 1986's outside options).

**The method.** The kinks of ``|y − x|^p`` (p < 2) are smoothed from above, ``(z² + η²)^{p/2}``,
which only ever understates a utility, so every smoothed-feasible point is feasible; η shrinks
with the barrier parameter τ, and both go to ``tau_final``. Utilities are then exact to about
``(parties + constraints)·tau_final``. The reference combination (the text on the table) is
searched first, then the others best bound first — a combination's value cannot exceed what it
would give with every party at its ideal on the continuous part — and the search stops when no
bound can beat the best value found, so the answer is the exact optimum over all combinations,
not over a sample. Values within ``slack`` of each other tie, and ties go to the combination
with fewer options changed from the reference.

**Precision.** Every tolerance, step and iteration cap that could move a result comes in the
``precision`` argument (:class:`sim.bargaining.solutions.Precision`, read by field name), so
a test can tighten them all and check that nothing moves.
"""

from __future__ import annotations

import numpy as np
from numba import njit as _njit

from sim.bargaining.utility import loss_term


def njit(function):
    """Compiled, cached on disk, with numpy's rules for floating point (inf and nan, not
    exceptions). Constant flags and modes are passed as ``np.bool_``/``np.int64`` values: a
    bare literal would have numba compile the callee once per value."""
    return _njit(cache=True, error_model="numpy")(function)


@njit
def _loss(z: float, eta: float, p: float):
    """``|z|^p`` smoothed from above, ``(z² + η²)^{p/2}`` for p < 2, and its first two
    derivatives (exact for p ≥ 2, where the power is smooth enough)."""
    if p >= 2.0:
        a = abs(z)
        if p == 2.0:
            return z * z, 2.0 * z, 2.0
        value = a**p
        return value, p * value / a * np.sign(z) if a > 0 else 0.0, p * (p - 1) * a ** (p - 2)
    q = z * z + eta * eta
    if p == 1.0:
        root = np.sqrt(q)
        return root, z / root, eta * eta / (q * root)
    power = q ** (p / 2.0)
    d1 = p * z * power / q
    d2 = p * power / q + p * (p - 2.0) * z * z * power / (q * q)
    return power, d1, d2


@njit
def _utilities(
    y, base, w, x, p, eta, parties, u, grad, curv, need_derivatives
):  # pragma: no cover - compiled
    """u (P,) of the parties listed in ``parties``; with derivatives, the gradient (P, S) and the
    (diagonal) curvature (P, S) of each utility in y."""
    n_dims = y.shape[0]
    for i in parties:
        total = base[i]
        for k in range(n_dims):
            weight = w[i, k]
            if weight == 0.0:
                if need_derivatives:
                    grad[i, k] = 0.0
                    curv[i, k] = 0.0
                continue
            value, d1, d2 = _loss(y[k] - x[i, k], eta, p[i])
            total -= weight * value
            if need_derivatives:
                grad[i, k] = -weight * d1
                curv[i, k] = -weight * d2
        u[i] = total


@njit
def _cholesky_solve(H, g, n, L, out):
    """Solve (−H) d = g for the n leading rows of a negative definite H (Cholesky of −H).
    Returns False if −H is not positive definite."""
    for i in range(n):
        for j in range(i + 1):
            total = -H[i, j]
            for k in range(j):
                total -= L[i, k] * L[j, k]
            if i == j:
                if total <= 0.0:
                    return False
                L[i, i] = np.sqrt(total)
            else:
                L[i, j] = total / L[j, j]
    for i in range(n):  # forward: L v = g
        total = g[i]
        for k in range(i):
            total -= L[i, k] * out[k]
        out[i] = total / L[i, i]
    for i in range(n - 1, -1, -1):  # backward: Lᵀ d = v
        total = out[i]
        for k in range(i + 1, n):
            total -= L[k, i] * out[k]
        out[i] = total / L[i, i]
    return True


@njit
def _objective(
    z,
    t,
    mode,
    base,
    w,
    x,
    p,
    theta,
    weight,
    floor,
    parties,
    hard,
    M,
    b,
    A,
    h,
    tau,
    eta,
    y,
    u,
    grad,
    curv,
    need_derivatives,
    g,
    H,
    active,
    live,
    act,
    gz,
):  # pragma: no cover - compiled
    """The barrier objective at (z, t), divided by τ for ``maximin`` (mode 0):
    ``t/τ + Σ log(u_i − θ_i − ω_i t) + Σ log(h − A z)``; for ``nash`` (mode 1):
    ``Σ α_i log(u_i − d_i) + τ·(Σ_hard log(u_i − f_i) + Σ log(h − A z))``.
    Returns −inf outside the domain. With derivatives, fills g (n) and H (n, n) over the
    active coordinates (then t, in maximin mode)."""
    n_dims, n_free = M.shape
    for k in range(n_dims):
        total = b[k]
        for j in range(n_free):
            total += M[k, j] * z[j]
        y[k] = total
    _utilities(y, base, w, x, p, eta, parties, u, grad, curv, need_derivatives)
    n_act = 0
    for j in range(n_free):
        if active[j]:
            act[n_act] = j
            n_act += 1
    n = n_act + 1 if mode == 0 else n_act
    if need_derivatives:
        for i in range(n):
            g[i] = 0.0
            for j in range(n):
                H[i, j] = 0.0
    value = t / tau if mode == 0 else 0.0
    # gradient of each utility over the active free coordinates: (∂u/∂y)·M
    for i in parties:
        if mode == 0:
            slack = u[i] - theta[i] - weight[i] * t
            scale = 1.0
        else:
            slack = u[i] - theta[i]
            scale = weight[i]
            if scale == 0.0:
                slack = 1.0
        if slack <= 0.0:
            return -np.inf
        value += scale * np.log(slack)
        if hard[i] and mode == 1:
            extra = u[i] - floor[i]
            if extra <= 0.0:
                return -np.inf
            value += tau * np.log(extra)
        if not need_derivatives:
            continue
        for term in range(2 if (mode == 1 and hard[i]) else 1):
            if term == 0:
                s, c = slack, scale
                if c == 0.0:
                    continue
            else:
                s, c = u[i] - floor[i], tau
            # ∂ log s = (∂s)/s; ∂² log s = ∂²s/s − ∂s ∂sᵀ / s²: the gradient over the
            # active coordinates once, then rank-one and per-dimension curvature terms
            for a in range(n_act):
                j = act[a]
                total = 0.0
                for k in range(n_dims):
                    total += grad[i, k] * M[k, j]
                gz[a] = total
            for a in range(n_act):
                g[a] += c * gz[a] / s
                for bb in range(n_act):
                    H[a, bb] -= c * gz[a] * gz[bb] / (s * s)
                if mode == 0:  # ∂s/∂t = −ω_i
                    H[a, n - 1] += c * gz[a] * weight[i] / (s * s)
                    H[n - 1, a] += c * gz[a] * weight[i] / (s * s)
            for k in range(n_dims):
                if curv[i, k] == 0.0:
                    continue
                scale_k = c * curv[i, k] / s
                for a in range(n_act):
                    ma = M[k, act[a]]
                    if ma == 0.0:
                        continue
                    for bb in range(n_act):
                        H[a, bb] += scale_k * ma * M[k, act[bb]]
            if mode == 0:
                g[n - 1] -= c * weight[i] / s
                H[n - 1, n - 1] -= c * weight[i] * weight[i] / (s * s)
    if mode == 0 and need_derivatives:
        g[n - 1] += 1.0 / tau
    row_scale = 1.0 if mode == 0 else tau
    for r in range(A.shape[0]):
        if not live[r]:
            continue
        slack = h[r]
        for j in range(n_free):
            slack -= A[r, j] * z[j]
        if slack <= 0.0:
            return -np.inf
        value += row_scale * np.log(slack)
        if need_derivatives:
            a = 0
            for j in range(n_free):
                if not active[j]:
                    continue
                g[a] -= row_scale * A[r, j] / slack
                bb = 0
                for l2 in range(n_free):
                    if not active[l2]:
                        continue
                    H[a, bb] -= row_scale * A[r, j] * A[r, l2] / (slack * slack)
                    bb += 1
                a += 1
    return value


@njit
def _centre_path(
    z,
    t,
    mode,
    base,
    w,
    x,
    p,
    theta,
    weight,
    floor,
    parties,
    hard,
    M,
    b,
    A,
    h,
    tau0,
    y,
    u,
    grad,
    curv,
    g,
    H,
    L,
    step,
    trial,
    active,
    live,
    precision,
):  # pragma: no cover - compiled
    """Follow the central path from a strictly feasible (z, t) down to ``precision.tau_final``;
    returns the final t (maximin) and leaves the point in z."""
    n_free = z.shape[0]
    act = np.empty(n_free, dtype=np.int64)
    gz = np.empty(n_free + 1)
    n = 0
    for j in range(n_free):
        if active[j]:
            n += 1
    if mode == 0:
        n += 1
    tau = tau0
    while True:
        eta = tau
        for _ in range(precision.newton_steps):
            f0 = _objective(
                z,
                t,
                mode,
                base,
                w,
                x,
                p,
                theta,
                weight,
                floor,
                parties,
                hard,
                M,
                b,
                A,
                h,
                tau,
                eta,
                y,
                u,
                grad,
                curv,
                np.bool_(True),
                g,
                H,
                active,
                live,
                act,
                gz,
            )
            if n == 0 or not _cholesky_solve(H, g, n, L, step):
                break
            decrement = 0.0
            for i in range(n):
                decrement += g[i] * step[i]
            if decrement <= precision.decrement:
                break
            alpha = 1.0
            accepted = False
            for _ in range(60):
                a = 0
                for j in range(n_free):
                    trial[j] = z[j]
                    if active[j]:
                        trial[j] += alpha * step[a]
                        a += 1
                t_trial = t + alpha * step[n - 1] if mode == 0 else t
                f1 = _objective(
                    trial,
                    t_trial,
                    mode,
                    base,
                    w,
                    x,
                    p,
                    theta,
                    weight,
                    floor,
                    parties,
                    hard,
                    M,
                    b,
                    A,
                    h,
                    tau,
                    eta,
                    y,
                    u,
                    grad,
                    curv,
                    np.bool_(False),
                    g,
                    H,
                    active,
                    live,
                    act,
                    gz,
                )
                if f1 >= f0 + 0.25 * alpha * decrement:
                    accepted = True
                    break
                alpha *= 0.5
            if not accepted:
                break
            for j in range(n_free):
                z[j] = trial[j]
            t = t_trial
        if tau <= precision.tau_final:
            break
        tau = max(tau / precision.tau_factor, precision.tau_final)
    return t


@njit
def _start(z, warm, use_warm, centre, A, h, live):  # pragma: no cover - compiled
    """A strictly interior starting point: ``warm`` if it is inside the polytope, else the
    centre."""
    if use_warm:
        inside = True
        for r in range(A.shape[0]):
            if not live[r]:
                continue
            slack = h[r]
            for j in range(z.shape[0]):
                slack -= A[r, j] * warm[j]
            if slack <= 0.0:
                inside = False
                break
        if inside:
            for j in range(z.shape[0]):
                z[j] = warm[j]
            return
    for j in range(z.shape[0]):
        z[j] = centre[j]


@njit
def _base(c, option_loss, combos, i):  # pragma: no cover - compiled
    total = 1.0
    for k in range(combos.shape[1]):
        total -= option_loss[i, combos[c, k]]
    return total


@njit
def _maximin_one(
    c,
    option_loss,
    combos,
    w,
    x,
    p,
    theta,
    weight,
    parties,
    M,
    b,
    A,
    h,
    centre,
    warm,
    use_warm,
    fixed,
    active,
    live,
    z,
    base,
    y,
    u,
    grad,
    curv,
    g,
    H,
    L,
    step,
    trial,
    floor,
    hard,
    precision,
):  # pragma: no cover - compiled
    """The maximin of one combination: returns t and leaves the point in z."""
    for i in parties:
        base[i] = _base(c, option_loss, combos, i)
    _start(z, warm, use_warm, centre[c], A, h[c], live)
    for j in range(z.shape[0]):
        if not active[j]:
            z[j] = fixed[j]
    for k in range(M.shape[0]):
        total = b[k]
        for j in range(M.shape[1]):
            total += M[k, j] * z[j]
        y[k] = total
    _utilities(y, base, w, x, p, precision.tau_start, parties, u, grad, curv, np.bool_(False))
    t = np.inf
    for i in parties:
        t = min(t, (u[i] - theta[i]) / weight[i])
    t -= 1.0
    return _centre_path(
        z,
        t,
        np.int64(0),
        base,
        w,
        x,
        p,
        theta,
        weight,
        floor,
        parties,
        hard,
        M,
        b,
        A,
        h[c],
        precision.tau_start,
        y,
        u,
        grad,
        curv,
        g,
        H,
        L,
        step,
        trial,
        active,
        live,
        precision,
    )


@njit
def _scratch(n_parties, n_dims, n_free):  # pragma: no cover - compiled
    n = n_free + 1
    return (
        np.empty(n_free),
        np.empty(n_parties),
        np.empty(n_dims),
        np.empty(n_parties),
        np.empty((n_parties, n_dims)),
        np.empty((n_parties, n_dims)),
        np.empty(n),
        np.empty((n, n)),
        np.empty((n, n)),
        np.empty(n),
        np.empty(n_free),
    )


@njit
def _live_rows(A, active, live):  # pragma: no cover - compiled
    """The constraint rows that bind some active coordinate (the others hold fixed ones)."""
    for r in range(A.shape[0]):
        live[r] = False
        for j in range(A.shape[1]):
            if A[r, j] != 0.0 and active[j]:
                live[r] = True


SORT_BY_INSERTION = 64
"""Up to this many combinations the visiting order is sorted in place (no allocation);
beyond, by numpy's merge sort. Both give the same order."""


@njit
def _visit_order(combos, reference, bound, changes, visit):  # pragma: no cover - compiled
    """The combinations in the order the search visits them, into ``visit`` (C,): the
    ``reference`` first, then the others best ``bound`` first, ties to fewer options changed
    from the reference, then the enumeration order. ``changes`` (C,) receives how many options
    each one changes."""
    n_combos, n_kinds = combos.shape
    for c in range(n_combos):
        count = 0
        for k in range(n_kinds):
            if combos[c, k] != combos[reference, k]:
                count += 1
        changes[c] = count
    visit[0] = reference
    if n_combos > SORT_BY_INSERTION:
        by_change = np.argsort(changes, kind="mergesort")
        n = 1
        for c in by_change[np.argsort(-bound[by_change], kind="mergesort")]:
            if c != reference:
                visit[n] = c
                n += 1
        return
    n = 1
    for c in range(n_combos):
        if c == reference:
            continue
        k = n  # insert c after every combination that goes before it
        while k > 1 and (
            bound[visit[k - 1]] < bound[c]
            or (bound[visit[k - 1]] == bound[c] and changes[visit[k - 1]] > changes[c])
        ):
            visit[k] = visit[k - 1]
            k -= 1
        visit[k] = c
        n += 1


@njit
def _can_win(bound, best, fewer, slack):  # pragma: no cover - compiled
    """Whether a combination whose value is at most ``bound`` can replace the best found: beat
    it by more than ``slack`` or — changing ``fewer`` options from the reference — tie it."""
    if bound == -np.inf:
        return False
    return bound > best + slack or (fewer and bound >= best - slack)


@njit
def _replaces(value, best, fewer, slack):  # pragma: no cover - compiled
    """Whether a combination's value replaces the best found: higher by more than ``slack``,
    or level within it and changing ``fewer`` options from the reference."""
    if value == -np.inf:
        return False
    return value > best + slack or (fewer and value >= best - slack)


@njit
def _past_all(position, bound, best, slack):  # pragma: no cover - compiled
    """Whether no combination from ``position`` of the visiting order on can reach the best
    found: after the reference, bounds only fall."""
    return position > 0 and (bound == -np.inf or bound < best - slack)


@njit
def maximin(
    option_loss,
    combos,
    allowed,
    w,
    x,
    p,
    theta,
    weight,
    required,
    M,
    b,
    A,
    h,
    centre,
    fixed,
    active,
    reference,
    stop_at,
    precision,
    out_combo,
    out_z,
    out_value,
):  # pragma: no cover - compiled
    """For each replicate r: the combination and point with the largest
    ``t = min_i (u_i − θ_i)/ω_i`` over the required parties, written to ``out_*``. With a
    finite ``stop_at`` the search stops at the first combination reaching it (a zone exists),
    so ``out_value`` is then only known to be ≥ ``stop_at``.

    Shapes: option_loss (R, P, Q) — each party's weighted loss from each option of every option
    issue; combos (C, K) option indices per combination; allowed (C,) the combinations the
    linked constraints permit; w, x (R, P, S); p, theta, weight (R, P); required (P,); M (S, F),
    b (S,), A (m, F), h (C, m); centre (C, F) an interior point of each combination's polytope;
    fixed (R, F) the reference package's free coordinates (the search starts there in the
    reference combination, and the free coordinates no one cares about keep them); active (R, F)
    the free coordinates some party cares about; reference (R,) the reference package's
    combination; precision as :class:`sim.bargaining.solutions.Precision`."""
    n_rep, n_parties = theta.shape
    n_dims, n_free = M.shape
    n_combos = combos.shape[0]
    parties = np.array([i for i in range(n_parties) if required[i]], dtype=np.int64)
    z, base, y, u, grad, curv, g, H, L, step, trial = _scratch(n_parties, n_dims, n_free)
    best_z = np.empty(n_free)
    bound = np.empty(n_combos)
    changes = np.empty(n_combos, dtype=np.int64)
    visit = np.empty(n_combos, dtype=np.int64)
    live = np.empty(A.shape[0], dtype=np.bool_)
    hard = np.zeros(n_parties, dtype=np.bool_)
    floor = np.zeros(n_parties)
    slack = precision.slack
    for r in range(n_rep):
        _live_rows(A, active[r], live)
        losses = option_loss[r]
        for c in range(n_combos):  # every party at its ideal on the continuous part
            value = np.inf if allowed[c] else -np.inf
            if allowed[c]:
                for i in parties:
                    top = _base(c, losses, combos, i)
                    value = min(value, (top - theta[r, i]) / weight[r, i])
            bound[c] = value
        _visit_order(combos, reference[r], bound, changes, visit)
        best, best_c = -np.inf, -1
        for position in range(n_combos):
            c = visit[position]
            fewer = best_c < 0 or changes[c] < changes[best_c]
            if not _can_win(bound[c], best, fewer, slack):
                if _past_all(position, bound[c], best, slack):
                    break
                continue
            t = _maximin_one(
                c,
                losses,
                combos,
                w[r],
                x[r],
                p[r],
                theta[r],
                weight[r],
                parties,
                M,
                b,
                A,
                h,
                centre,
                fixed[r],
                c == reference[r],
                fixed[r],
                active[r],
                live,
                z,
                base,
                y,
                u,
                grad,
                curv,
                g,
                H,
                L,
                step,
                trial,
                floor,
                hard,
                precision,
            )
            if _replaces(t, best, fewer, slack):
                best, best_c = t, c
                best_z[:] = z
            if best >= stop_at:
                break
        out_combo[r] = best_c
        out_value[r] = best
        if best_c >= 0:
            out_z[r] = best_z


@njit
def _involved(required, alpha, members):  # pragma: no cover - compiled
    """The parties a Nash product involves — those a deal needs and those it weighs — written
    to the front of ``members`` (P,) and returned as a view of it."""
    n = 0
    for i in range(alpha.shape[0]):
        if required[i] or alpha[i] > 0:
            members[n] = i
            n += 1
    return members[:n]


@njit
def nash(
    option_loss,
    combos,
    allowed,
    w,
    x,
    p,
    disagreement,
    alpha,
    floor,
    required,
    M,
    b,
    A,
    h,
    centre,
    fixed,
    active,
    reference,
    precision,
    out_combo,
    out_z,
    out_value,
):  # pragma: no cover - compiled
    """For each replicate r: the combination and point with the largest
    ``Σ α_i·log(u_i − d_i)`` subject to ``u_i ≥ f_i`` for the required parties (d ≤ f where
    α > 0), or combination −1 and value −inf where no package gives every party with α > 0
    more than d and every required party at least f. Shapes as :func:`maximin`;
    disagreement, alpha, floor (R, P)."""
    n_rep, n_parties = alpha.shape
    n_dims, n_free = M.shape
    n_combos = combos.shape[0]
    z, base, y, u, grad, curv, g, H, L, step, trial = _scratch(n_parties, n_dims, n_free)
    best_z = np.empty(n_free)
    bound = np.empty(n_combos)
    theta = np.empty(n_parties)
    unit = np.ones(n_parties)
    no_floor = np.zeros(n_parties, dtype=np.bool_)
    live = np.empty(A.shape[0], dtype=np.bool_)
    changes = np.empty(n_combos, dtype=np.int64)
    visit = np.empty(n_combos, dtype=np.int64)
    slack = precision.slack
    members = np.empty(n_parties, dtype=np.int64)
    for r in range(n_rep):
        _live_rows(A, active[r], live)
        involved = _involved(required, alpha[r], members)
        losses = option_loss[r]
        hard = np.zeros(n_parties, dtype=np.bool_)
        for i in involved:
            # strictly above d where the party's term counts, at least f where it must agree
            theta[i] = -np.inf
            if alpha[r, i] > 0:
                theta[i] = disagreement[r, i]
            if required[i]:
                if alpha[r, i] == 0 or floor[r, i] > disagreement[r, i]:
                    hard[i] = True
                theta[i] = max(theta[i], floor[r, i])
        for c in range(n_combos):
            value = 0.0 if allowed[c] else -np.inf
            if allowed[c]:
                for i in involved:
                    top = _base(c, losses, combos, i)
                    if top <= theta[i]:
                        value = -np.inf
                        break
                    if alpha[r, i] > 0:
                        value += alpha[r, i] * np.log(top - disagreement[r, i])
            bound[c] = value
        _visit_order(combos, reference[r], bound, changes, visit)
        best, best_c = -np.inf, -1
        for position in range(n_combos):
            c = visit[position]
            fewer = best_c < 0 or changes[c] < changes[best_c]
            if not _can_win(bound[c], best, fewer, slack):
                if _past_all(position, bound[c], best, slack):
                    break
                continue
            # phase I: a point strictly inside (every involved party above its θ) ...
            margin = _maximin_one(
                c,
                losses,
                combos,
                w[r],
                x[r],
                p[r],
                theta,
                unit,
                involved,
                M,
                b,
                A,
                h,
                centre,
                fixed[r],
                c == reference[r],
                fixed[r],
                active[r],
                live,
                z,
                base,
                y,
                u,
                grad,
                curv,
                g,
                H,
                L,
                step,
                trial,
                floor[r],
                no_floor,
                precision,
            )
            if margin <= 0.0:
                continue
            # ... then phase II from there; smoothing that starts below the margin keeps the
            # point inside
            _centre_path(
                z,
                0.0,
                np.int64(1),
                base,
                w[r],
                x[r],
                p[r],
                disagreement[r],
                alpha[r],
                floor[r],
                involved,
                hard,
                M,
                b,
                A,
                h[c],
                min(precision.tau_start, margin / 2.0),
                y,
                u,
                grad,
                curv,
                g,
                H,
                L,
                step,
                trial,
                active[r],
                live,
                precision,
            )
            for k in range(n_dims):
                total = b[k]
                for j in range(n_free):
                    total += M[k, j] * z[j]
                y[k] = total
            _utilities(y, base, w[r], x[r], p[r], 0.0, involved, u, grad, curv, np.bool_(False))
            value = 0.0
            for i in involved:
                if alpha[r, i] > 0:
                    value += alpha[r, i] * np.log(max(u[i] - disagreement[r, i], 1e-300))
            if _replaces(value, best, fewer, slack):
                best, best_c = value, c
                best_z[:] = z
        out_combo[r] = best_c
        out_value[r] = best
        if best_c >= 0:
            out_z[r] = best_z


# --- the fast path: up to two continuous coordinates, every party weighted (ω > 0) ----------
#
# On one coordinate each party's weighted surplus F_i(z) = (c_i − w_i·|z − x_i|^p_i)/ω_i is
# concave with its top at x_i, so the sets {F_i ≥ t} are intervals and, by Helly's theorem on
# the line, they meet iff every two of them meet: max_z min_i F_i = min over singles and pairs
# of max_z min(F_i, F_j), each found in closed form (a pair's optimum is its own top or the
# crossing of the two surpluses between their tops). With two coordinates the inner maximin
# over z2 is that closed form and G(z1) = max_z2 min_i F_i is concave: its maximum is found by
# a bracketing search on its slope, which each piece (a single or a pair) gives exactly.


@njit
def _surplus(c, w, x, p, omega, z):  # pragma: no cover - compiled
    return (c - w * loss_term(z - x, p)) / omega


@njit
def _slope(w, x, p, omega, z, direction):  # pragma: no cover - compiled
    """d/dz of (c − w·|z − x|^p)/ω, one-sided in ``direction`` (+1 right, −1 left) at the
    kink."""
    d = z - x
    if d == 0.0:
        if p > 1.0:
            return 0.0
        return -w / omega * direction  # moving away from the top lowers it
    sign = 1.0 if d > 0 else -1.0
    if p == 1.0:
        return -w * sign / omega
    if p == 2.0:
        return -2.0 * w * d / omega
    return -w * p * abs(d) ** (p - 1.0) * sign / omega


@njit
def _crossing(ci, wi, xi, pi, oi, cj, wj, xj, pj, oj, a, b):  # pragma: no cover - compiled
    """The z between a (i's top, clipped) and b (j's top, clipped) where F_i = F_j; F_i − F_j
    falls monotonically from ≥ 0 at a to ≤ 0 at b. Closed form for losses 1 and 2 (a
    quadratic q2·z² + q1·z + q0 = 0), bisection otherwise."""
    lo, hi = min(a, b), max(a, b)
    if pi in (1.0, 2.0) and pj in (1.0, 2.0):
        si = 1.0 if b >= a else -1.0  # the sign of z − x_i on the segment; z − x_j has −si
        ai, aj = wi / oi, wj / oj
        q2, q1, q0 = 0.0, 0.0, ci / oi - cj / oj
        if pi == 1.0:  # − ai·si·(z − xi)
            q1 -= ai * si
            q0 += ai * si * xi
        else:  # − ai·(z − xi)²
            q2 -= ai
            q1 += 2 * ai * xi
            q0 -= ai * xi * xi
        if pj == 1.0:  # + aj·(−si)·(z − xj)
            q1 -= aj * si
            q0 += aj * si * xj
        else:  # + aj·(z − xj)²
            q2 += aj
            q1 -= 2 * aj * xj
            q0 += aj * xj * xj
        if q2 == 0.0:
            z = -q0 / q1 if q1 != 0.0 else (lo + hi) / 2
        else:
            root = np.sqrt(max(q1 * q1 - 4 * q2 * q0, 0.0))
            q = -0.5 * (q1 + (root if q1 >= 0 else -root))  # the stable pair of roots
            first = q / q2
            second = q0 / q if q != 0.0 else first
            span = 1e-9 * (1.0 + hi - lo)
            z = first if lo - span <= first <= hi + span else second
        return min(max(z, lo), hi)
    for _ in range(200):  # bisection on the monotone gap
        z = (a + b) / 2
        gap = _surplus(ci, wi, xi, pi, oi, z) - _surplus(cj, wj, xj, pj, oj, z)
        if gap > 0:
            a = z
        else:
            b = z
        if abs(b - a) < 1e-15:
            break
    return (a + b) / 2


@njit
def _line(c, w, x, p, omega, parties, lo, hi, ref, active_out, work):  # pragma: no cover
    """max over z in [lo, hi] of min_i F_i(z), F_i = (c_i − w_i·|z − x_i|^p_i)/ω_i.

    ``work`` is scratch space (at least 2P). Returns (t, z, n): the value, among the
    maximisers the one nearest ``ref``, and how many
    pieces attain t, written to ``active_out`` as rows (i, j, z_cross) — j = −1 for a party at
    its own top, else the crossing of i and j."""
    n = parties.shape[0]
    tops = work[:n]  # scratch: each party's top and its value there
    peaks = work[n : 2 * n]
    t = np.inf
    for a in range(n):  # singles: each party's own top
        i = parties[a]
        tops[a] = min(max(x[i], lo), hi)
        peaks[a] = _surplus(c[i], w[i], x[i], p[i], omega[i], tops[a])
        t = min(t, peaks[a])
    n_active = 0
    for a in range(n):
        if peaks[a] <= t + 1e-13:
            active_out[n_active, 0], active_out[n_active, 1] = parties[a], -1
            active_out[n_active, 2] = tops[a]
            n_active += 1
    for a in range(n):  # pairs that cross between their tops
        i = parties[a]
        for bb in range(a + 1, n):
            j = parties[bb]
            j_at_i = _surplus(c[j], w[j], x[j], p[j], omega[j], tops[a])
            if j_at_i >= peaks[a]:
                continue  # i's top is within j's reach: the single covers the pair
            i_at_j = _surplus(c[i], w[i], x[i], p[i], omega[i], tops[bb])
            if i_at_j >= peaks[bb]:
                continue
            if max(j_at_i, i_at_j) > t + 1e-13:
                continue  # the crossing lies above both, so above t
            z = _crossing(
                c[i],
                w[i],
                x[i],
                p[i],
                omega[i],
                c[j],
                w[j],
                x[j],
                p[j],
                omega[j],
                tops[a],
                tops[bb],
            )
            value = min(
                _surplus(c[i], w[i], x[i], p[i], omega[i], z),
                _surplus(c[j], w[j], x[j], p[j], omega[j], z),
            )
            if value < t - 1e-13:
                t, n_active = value, 0
            if value <= t + 1e-13:
                active_out[n_active, 0], active_out[n_active, 1] = i, j
                active_out[n_active, 2] = z
                n_active += 1
    # the maximisers: where every F_i ≥ t, nearest ref
    low, high = lo, hi
    for a in range(n):
        i = parties[a]
        if w[i] == 0.0:
            continue
        reach = max(c[i] - omega[i] * t, 0.0) / w[i]
        if p[i] == 1.0:
            radius = reach
        elif p[i] == 2.0:
            radius = np.sqrt(reach)
        else:
            radius = reach ** (1.0 / p[i])
        low = max(low, x[i] - radius)
        high = min(high, x[i] + radius)
    z = min(max(ref, low), high) if low <= high else (low + high) / 2
    return t, z, n_active


@njit
def _piece_slope(i, j, z_cross, w1, x1, w2, x2, p, omega, z1, direction):  # pragma: no cover
    """The one-sided slope in z1 of one piece of G (a party's top, or a pair's crossing in
    z2), from the implicit function theorem at the crossing."""
    di = _slope(w1[i], x1[i], p[i], omega[i], z1, direction)
    if j < 0:
        return di
    dj = _slope(w1[j], x1[j], p[j], omega[j], z1, direction)
    # slopes in z2 at the crossing, each toward the other party's top
    toward = 1.0 if x2[j] >= x2[i] else -1.0
    ei = _slope(w2[i], x2[i], p[i], omega[i], z_cross, toward)
    ej = _slope(w2[j], x2[j], p[j], omega[j], z_cross, -toward)
    if ei == ej:
        return min(di, dj)
    return (ei * dj - di * ej) / (ei - ej)


@njit
def _outer_point(z1, c0, w1, x1, w2, x2, p, omega, parties, lo2, hi2, ref2, c, rows, work):
    """G(z1) = max_z2 min_i F_i, the z2 that attains it, G's right and left slopes, and the
    pieces (i, j) that give them."""  # pragma: no cover - compiled
    for a in range(parties.shape[0]):
        i = parties[a]
        c[i] = c0[i] - w1[i] * loss_term(z1 - x1[i], p[i])
    t, z2, n_active = _line(c, w2, x2, p, omega, parties, lo2, hi2, ref2, rows, work)
    right, left = np.inf, -np.inf
    right_piece = left_piece = 0
    for r in range(n_active):
        i, j = int(rows[r, 0]), int(rows[r, 1])
        s_right = _piece_slope(i, j, rows[r, 2], w1, x1, w2, x2, p, omega, z1, 1.0)
        s_left = _piece_slope(i, j, rows[r, 2], w1, x1, w2, x2, p, omega, z1, -1.0)
        if s_right < right:
            right, right_piece = s_right, r
        if s_left > left:
            left, left_piece = s_left, r
    ri, rj = int(rows[right_piece, 0]), int(rows[right_piece, 1])
    li, lj = int(rows[left_piece, 0]), int(rows[left_piece, 1])
    return t, z2, right, left, ri, rj, li, lj


@njit
def _rise_bound(t, right, left, z, lo, hi):  # pragma: no cover - compiled
    """The most a concave G can reach on [lo, hi] given its value t and one-sided slopes at z:
    its tangent there, followed to the end it rises toward."""
    if right > 0.0:
        return t + right * (hi - z)
    return t + left * (lo - z)


@njit
def _plane(
    c0,
    w1,
    x1,
    w2,
    x2,
    p,
    omega,
    parties,
    lo1,
    hi1,
    lo2,
    hi2,
    ref1,
    ref2,
    c,
    rows,
    work,
    precision,
    stop_at,
    floor,
):
    """max over (z1, z2) of min_i F_i on a box: G(z1) = max_z2 min_i F_i is concave, and its
    top is bracketed on the sign of its slope. Inside the bracket the next point is where the
    tangents at its two ends meet — exact where G is made of straight pieces — or, one smooth
    piece at both ends, where its slope turns (a kink of one of its parties, or the secant of
    its slope); bisection is the safeguard. The search stops at the first point reaching
    ``stop_at`` (all a zone question needs), and once G's tangents show that its top is below
    ``floor`` (a value the caller has no use for: the best found so far is returned, itself
    below). Returns (t, z1, z2)."""  # pragma: no cover
    z = min(max(ref1, lo1), hi1)
    t, z2, right, left, ri, rj, li, lj = _outer_point(
        z, c0, w1, x1, w2, x2, p, omega, parties, lo2, hi2, ref2, c, rows, work
    )
    best_t, best_z1, best_z2 = t, z, z2
    if right <= 0.0 <= left or best_t >= stop_at:
        return best_t, best_z1, best_z2
    # bracket the top, in steps growing from the start (the reference is usually near it)
    direction = 1.0 if right > 0.0 else -1.0
    if _rise_bound(t, right, left, z, lo1, hi1) < floor:
        return best_t, best_z1, best_z2
    a, ta, sa, ai, aj = z, t, right, ri, rj
    b, tb, sb, bi, bj = z, t, left, li, lj
    step = precision.bracket_step
    while True:
        probe = min(max(z + direction * step, lo1), hi1)
        t, z2, right, left, ri, rj, li, lj = _outer_point(
            probe, c0, w1, x1, w2, x2, p, omega, parties, lo2, hi2, ref2, c, rows, work
        )
        if t > best_t:
            best_t, best_z1, best_z2 = t, probe, z2
        if right <= 0.0 <= left or best_t >= stop_at:
            return best_t, best_z1, best_z2
        if right > 0.0:
            a, ta, sa, ai, aj = probe, t, right, ri, rj
        else:
            b, tb, sb, bi, bj = probe, t, left, li, lj
        if (direction > 0) != (right > 0.0):
            break  # the slope turned: [a, b] brackets the top
        if _rise_bound(t, right, left, probe, lo1, hi1) < floor:
            return best_t, best_z1, best_z2
        if probe in (lo1, hi1):
            return best_t, best_z1, best_z2  # the top is at the end of the range
        step *= 8.0
    same_side = 0
    for _ in range(precision.iterations):
        width = b - a
        candidate = (tb - ta + sa * a - sb * b) / (sa - sb)  # where the tangents meet
        # G is concave: nothing in [a, b] rises above the tangents, so once they meet within
        # precision.value of the best value found, that value is the top
        top = ta + sa * (candidate - a)
        if width <= precision.width or top <= best_t + precision.value or top < floor:
            break
        if ai == bi and aj == bj:
            candidate = a + width * sa / (sa - sb)
            for k in (ai, aj):
                if k >= 0 and p[k] < 2.0 and a < x1[k] < b:
                    candidate = x1[k]
                    break
        if not (a < candidate < b) or abs(same_side) >= 2:
            candidate = a + width / 2
            same_side = 0
        t, z2, right, left, ri, rj, li, lj = _outer_point(
            candidate, c0, w1, x1, w2, x2, p, omega, parties, lo2, hi2, ref2, c, rows, work
        )
        if t > best_t:
            best_t, best_z1, best_z2 = t, candidate, z2
        if right <= 0.0 <= left or best_t >= stop_at:
            break
        if right > 0.0:
            a, ta, sa, ai, aj = candidate, t, right, ri, rj
            same_side = same_side + 1 if same_side > 0 else 1
        else:
            b, tb, sb, bi, bj = candidate, t, left, li, lj
            same_side = same_side - 1 if same_side < 0 else -1
    return best_t, best_z1, best_z2


@njit
def _free_pair(active):  # pragma: no cover - compiled
    """The (at most two) active free coordinates: (count, first, second)."""
    n, j1, j2 = 0, -1, -1
    for j in range(active.shape[0]):
        if active[j]:
            if n == 0:
                j1 = j
            else:
                j2 = j
            n += 1
    return n, j1, j2


@njit
def _fold(c0, w, x, p, parties, fixed, active, out):  # pragma: no cover - compiled
    """c0 less each party's loss on the coordinates no one involved cares about (held at
    ``fixed``), into ``out``."""
    for a in range(parties.shape[0]):
        i = parties[a]
        out[i] = c0[i]
        for j in range(fixed.shape[0]):
            if not active[j]:
                out[i] -= w[i, j] * loss_term(fixed[j] - x[i, j], p[i])


@njit
def _fast_one(
    c0,
    w,
    x,
    p,
    omega,
    parties,
    lo,
    hi,
    ref,
    fixed,
    active,
    z,
    c,
    rows,
    work,
    precision,
    stop_at,
    floor,
):  # pragma: no cover - compiled
    """The maximin of one combination on the fast path (at most two free coordinates, each
    party's loss a single term per coordinate: w (P, F), x (P, F)). ``c0`` holds base − θ;
    coordinates no one cares about keep ``fixed``. Returns t and leaves the point in z; with
    two coordinates, stops at the first point reaching ``stop_at``, or once the top is shown
    to lie below ``floor`` (then t is below it too). ``work`` is scratch (at least 3P)."""
    for j in range(z.shape[0]):
        z[j] = fixed[j]
    n, j1, j2 = _free_pair(active)
    folded = work[2 * c.shape[0] : 3 * c.shape[0]]
    _fold(c0, w, x, p, parties, fixed, active, folded)
    if n == 0:
        t = np.inf
        for a in range(parties.shape[0]):
            i = parties[a]
            t = min(t, folded[i] / omega[i])
        return t
    if n == 1:
        t, z[j1], _ = _line(
            folded, w[:, j1], x[:, j1], p, omega, parties, lo[j1], hi[j1], ref[j1], rows, work
        )
        return t
    t, z[j1], z[j2] = _plane(
        folded,
        w[:, j1],
        x[:, j1],
        w[:, j2],
        x[:, j2],
        p,
        omega,
        parties,
        lo[j1],
        hi[j1],
        lo[j2],
        hi[j2],
        ref[j1],
        ref[j2],
        c,
        rows,
        work,
        precision,
        stop_at,
        floor,
    )
    return t


@njit
def _weighted_slope(nu, w, x, p, parties, z, direction):  # pragma: no cover - compiled
    """d/dz of Σ ν_i·w_i·|z − x_i|^p_i, one-sided in ``direction`` at a kink."""
    slope = 0.0
    for k in range(parties.shape[0]):
        i = parties[k]
        if nu[i] > 0.0 and w[i] > 0.0:
            slope += nu[i] * w[i] * _loss_slopes(z - x[i], p[i], direction)[0]
    return slope


@njit
def _weighted_loss(nu, w, x, p, parties, z):  # pragma: no cover - compiled
    total = 0.0
    for k in range(parties.shape[0]):
        i = parties[k]
        if nu[i] > 0.0:
            total += nu[i] * w[i] * loss_term(z - x[i], p[i])
    return total


@njit
def _coordinate_min(nu, w, x, p, parties, lo, hi):  # pragma: no cover - compiled
    """min over z in [lo, hi] of f(z) = Σ ν_i·w_i·|z − x_i|^p_i (convex). With losses 1 and 2
    only, f is quadratic between the kinks of the losses 1: the kinks narrow [lo, hi] to one
    piece, where the root of the linear f' is exact; with other losses, bisection on the sign
    of f'."""
    a, b = lo, hi
    exact = True
    for k in range(parties.shape[0]):
        i = parties[k]
        if nu[i] > 0.0 and w[i] > 0.0 and p[i] != 1.0 and p[i] != 2.0:
            exact = False
    if exact:
        for k in range(parties.shape[0]):
            i = parties[k]
            if nu[i] == 0.0 or w[i] == 0.0 or p[i] != 1.0 or not (a < x[i] < b):
                continue
            if _weighted_slope(nu, w, x, p, parties, x[i], 1.0) < 0.0:
                a = x[i]
            elif _weighted_slope(nu, w, x, p, parties, x[i], -1.0) > 0.0:
                b = x[i]
            else:
                return _weighted_loss(nu, w, x, p, parties, x[i])  # the kink is the bottom
        # no kink inside (a, b): f' = Σ_losses 1 ν·w·sign + Σ_losses 2 2ν·w·(z − x) there
        middle = (a + b) / 2
        constant, curvature = 0.0, 0.0
        for k in range(parties.shape[0]):
            i = parties[k]
            if nu[i] == 0.0 or w[i] == 0.0:
                continue
            if p[i] == 1.0:
                constant += nu[i] * w[i] * (1.0 if middle > x[i] else -1.0)
            else:
                constant -= 2.0 * nu[i] * w[i] * x[i]
                curvature += 2.0 * nu[i] * w[i]
        z = -constant / curvature if curvature > 0.0 else middle
        z = min(max(z, a), b)
    else:
        for _ in range(64):
            z = (a + b) / 2
            if _weighted_slope(nu, w, x, p, parties, z, 1.0) > 0.0:
                b = z
            else:
                a = z
        z = (a + b) / 2
    best = _weighted_loss(nu, w, x, p, parties, z)
    best = min(best, _weighted_loss(nu, w, x, p, parties, a))
    return min(best, _weighted_loss(nu, w, x, p, parties, b))


@njit
def _balanced(mu, parties, support, size, reach, kind, n_free, tolerance):
    """Whether μ (zero off ``support``) balances the subgradients at the maximiser: per free
    coordinate j, the range [Σ μ_i·lo_ij, Σ μ_i·hi_ij] of Σ μ_i g_ij meets what the box
    allows — 0 inside it (``kind`` 0), ≤ 0 at its lower end (1), ≥ 0 at its upper end (2),
    anything where no one involved cares (3)."""  # pragma: no cover - compiled
    for j in range(n_free):
        low = high = 0.0
        for a in range(size):
            i = parties[support[a]]
            low += mu[i] * reach[i, j, 0]
            high += mu[i] * reach[i, j, 1]
        if kind[j] != 3 and kind[j] != 2 and low > tolerance:
            return False
        if kind[j] != 3 and kind[j] != 1 and high < -tolerance:
            return False
    return True


@njit
def _multipliers(c, w, x, p, omega, parties, z, lo, hi, active, t, mu, reach, picks, lines):
    """Weights μ over the parties (summing to one) under which the maximiser z also minimises
    Σ μ_i·loss_i/ω_i over the box — the dual's optimal multipliers, which make
    :func:`_dual_bound` exact at this combination: the subgradients g_i ∈ ∂F_i(z) of the
    parties within reach of t (an interval in a coordinate where a party sits at its kink)
    must cancel, up to what the box's bounds absorb. By Carathéodory's theorem in the plane
    three parties suffice, so supports of three, two and one binding parties are tried in
    turn, each a linear feasibility problem solved at the vertices of its region. Without one
    (rounding), equal weights on the binding parties — any μ ≥ 0 summing to one bounds
    soundly. Scratch, allocated once by the caller: ``reach`` (P, 2, 2), each party's
    subgradient interval per coordinate; ``picks`` (P + 8 integers), the binding parties and
    the supports tried; ``lines`` (2F + 3, 3)."""  # pragma: no cover
    n_free = z.shape[0]
    n_all = parties.shape[0]
    kind, binding = picks[:2], picks[2 : 2 + n_all]  # binding: positions in ``parties``
    support, first = picks[2 + n_all : 5 + n_all], picks[5 + n_all : 8 + n_all]
    for j in range(n_free):
        kind[j] = 3 if not active[j] else (1 if z[j] <= lo[j] else (2 if z[j] >= hi[j] else 0))
    n = 0
    scale = 0.0
    for a in range(parties.shape[0]):
        i = parties[a]
        value = c[i]
        for j in range(n_free):
            value -= w[i, j] * loss_term(z[j] - x[i, j], p[i])
        mu[i] = 0.0
        reach[i, :, :] = 0.0
        if value / omega[i] > t + 1e-9 * (1.0 + abs(t)):
            continue
        binding[n] = a
        n += 1
        for j in range(n_free):
            if not active[j]:
                continue
            d = z[j] - x[i, j]
            if d == 0.0 and p[i] <= 1.0:
                reach[i, j, 0], reach[i, j, 1] = -w[i, j] / omega[i], w[i, j] / omega[i]
            else:
                g = -w[i, j] * _loss_slopes(d, p[i], 1.0)[0] / omega[i]
                reach[i, j, 0] = reach[i, j, 1] = g
            scale = max(scale, abs(reach[i, j, 0]), abs(reach[i, j, 1]))
    tolerance = 1e-7 * max(scale, 1.0)
    # ``lines``: the boundary lines of a support's region in its first one or two weights, each
    # coordinate's two sums and the weights' own bounds (μ_k ≥ 0), as rows (a, b, r) of
    # a·s + b·u = r
    for size in range(min(n, 3), 0, -1):  # the generic case first: every binding party
        for k in range(size):
            first[k] = k
        while True:
            for k in range(size):
                support[k] = binding[first[k]]
            if _support_weights(mu, parties, support, size, reach, kind, n_free, tolerance, lines):
                return
            # the next combination of ``size`` binding parties
            k = size - 1
            while k >= 0 and first[k] == n - size + k:
                k -= 1
            if k < 0:
                break
            first[k] += 1
            for m in range(k + 1, size):
                first[m] = first[m - 1] + 1
    for a in range(n):
        mu[parties[binding[a]]] = 1.0 / n


@njit
def _point_subgradients(parties, support, size, reach, j):  # pragma: no cover - compiled
    """Whether every party of ``support`` has a single subgradient in coordinate j."""
    for k in range(size):
        i = parties[support[k]]
        if reach[i, j, 0] != reach[i, j, 1]:
            return False
    return True


@njit
def _support_weights(mu, parties, support, size, reach, kind, n_free, tolerance, lines):
    """Weights on ``support`` (its ``size`` parties) that balance the subgradients
    (:func:`_balanced`), written to ``mu``: the candidates are the vertices of the region in
    the free weights — μ on the last party is one minus the others — where two of its
    boundary lines cross (one weight: where one line crosses its range)."""  # pragma: no cover
    last = parties[support[size - 1]]
    if size == 1:
        mu[last] = 1.0
        if _balanced(mu, parties, support, size, reach, kind, n_free, tolerance):
            return True
        mu[last] = 0.0
        return False
    # each sum Σ μ_k g_kj = Σ_{k < last} μ_k (g_kj − g_last,j) + g_last,j, for g the low or
    # high end of the interval
    n_lines = 0
    for j in range(n_free):
        for end in range(2):
            if kind[j] == 3 or (end == 1 and _point_subgradients(parties, support, size, reach, j)):
                continue  # one line where no party's interval is open: the same line twice
            a = reach[parties[support[0]], j, end] - reach[last, j, end]
            b = reach[parties[support[1]], j, end] - reach[last, j, end] if size == 3 else 0.0
            lines[n_lines, 0], lines[n_lines, 1] = a, b
            lines[n_lines, 2] = -reach[last, j, end]
            n_lines += 1
    lines[n_lines, 0], lines[n_lines, 1], lines[n_lines, 2] = 1.0, 0.0, 0.0  # μ_first = 0
    n_lines += 1
    if size == 3:
        lines[n_lines, 0], lines[n_lines, 1], lines[n_lines, 2] = 0.0, 1.0, 0.0  # μ_second = 0
        n_lines += 1
    lines[n_lines, 0], lines[n_lines, 1], lines[n_lines, 2] = 1.0, 1.0, 1.0  # μ_last = 0
    n_lines += 1
    for m in range(n_lines):
        for q in range(m + 1, n_lines) if size == 3 else range(1):
            if size == 3:
                det = lines[m, 0] * lines[q, 1] - lines[m, 1] * lines[q, 0]
                if det == 0.0:
                    continue
                s = (lines[m, 2] * lines[q, 1] - lines[m, 1] * lines[q, 2]) / det
                u = (lines[m, 0] * lines[q, 2] - lines[m, 2] * lines[q, 0]) / det
            else:
                if lines[m, 0] == 0.0:
                    continue
                s, u = lines[m, 2] / lines[m, 0], 0.0
            if s < -1e-12 or u < -1e-12 or s + u > 1.0 + 1e-12:
                continue
            s, u = max(s, 0.0), max(u, 0.0)
            mu[parties[support[0]]] = s
            if size == 3:
                mu[parties[support[1]]] = u
            mu[last] = max(1.0 - s - u, 0.0)
            if _balanced(mu, parties, support, size, reach, kind, n_free, tolerance):
                return True
    for k in range(size):
        mu[parties[support[k]]] = 0.0
    return False


@njit
def _least_loss(mu, w, x, p, omega, parties, fixed, active, nu):  # pragma: no cover - compiled
    """min over the continuous part of Σ_i (μ_i/ω_i)·loss_i: what the dual bound takes off.
    ``nu`` is scratch."""
    for k in range(parties.shape[0]):
        i = parties[k]
        nu[i] = mu[i] / omega[i]
    total = 0.0
    for j in range(fixed.shape[0]):
        if active[j]:
            total += _coordinate_min(nu, w[:, j], x[:, j], p, parties, 0.0, 1.0)
        else:
            for k in range(parties.shape[0]):
                i = parties[k]
                total += nu[i] * w[i, j] * loss_term(fixed[j] - x[i, j], p[i])
    return total


@njit
def _dual_bound(c0, mu, omega, parties, least):  # pragma: no cover - compiled
    """Σ μ_i·c_i/ω_i − min Σ (μ_i/ω_i)·loss_i ≥ max min_i F_i, for any weights μ ≥ 0 summing
    to one (weak duality): a bound on a combination given the loss the continuous part cannot
    avoid."""
    total = 0.0
    for k in range(parties.shape[0]):
        i = parties[k]
        total += mu[i] * c0[i] / omega[i]
    return total - least


@njit
def maximin_fast(
    option_loss,
    combos,
    allowed,
    w,
    x,
    p,
    theta,
    weight,
    required,
    low,
    high,
    fixed,
    active,
    reference,
    stop_at,
    precision,
    out_combo,
    out_z,
    out_value,
):  # pragma: no cover - compiled
    """:func:`maximin` on the fast path: every free coordinate a scale (or a two-party split)
    with its own (low, high) per combination (C, F), at most two of them, and each party's
    loss a single term per coordinate (w, x: (R, P, F) in the coordinates' own terms). The
    reference point (``fixed``) starts the search and decides ties."""
    n_rep, n_parties = theta.shape
    n_free = w.shape[2]
    n_combos = combos.shape[0]
    parties = np.array([i for i in range(n_parties) if required[i]], dtype=np.int64)
    z = np.empty(n_free)
    best_z = np.empty(n_free)
    c0 = np.empty(n_parties)
    best_c0 = np.empty(n_parties)
    c = np.empty(n_parties)
    rows = np.empty((n_parties * n_parties, 3))
    work = np.empty(3 * n_parties)
    reach = np.zeros((n_parties, 2, 2))
    nu = np.zeros(n_parties)
    bound = np.empty(n_combos)
    mu = np.zeros(n_parties)
    picks = np.empty(n_parties + 8, dtype=np.int64)
    lines = np.empty((2 * n_free + 3, 3))
    spread = 0.0
    changes = np.empty(n_combos, dtype=np.int64)
    visit = np.empty(n_combos, dtype=np.int64)
    slack = precision.slack
    for r in range(n_rep):
        losses = option_loss[r]
        for cc in range(n_combos):  # every party at its ideal on the continuous part
            bound[cc] = -np.inf
            if allowed[cc]:
                bound[cc] = np.inf
                for i in parties:
                    top = _base(cc, losses, combos, i) - theta[r, i]
                    bound[cc] = min(bound[cc], top / weight[r, i])
        _visit_order(combos, reference[r], bound, changes, visit)
        best, best_c, priced = -np.inf, -1, False
        for position in range(n_combos):
            cc = visit[position]
            fewer = best_c < 0 or changes[cc] < changes[best_c]
            if not _can_win(bound[cc], best, fewer, slack):
                if _past_all(position, bound[cc], best, slack):
                    break
                continue
            for i in parties:
                c0[i] = _base(cc, losses, combos, i) - theta[r, i]
            if best > -np.inf:  # the multipliers' bound, before the search it may spare
                if not priced:  # the multipliers at the best bound every other combination
                    _multipliers(
                        best_c0,
                        w[r],
                        x[r],
                        p[r],
                        weight[r],
                        parties,
                        best_z,
                        low[best_c],
                        high[best_c],
                        active[r],
                        best,
                        mu,
                        reach,
                        picks,
                        lines,
                    )
                    spread = _least_loss(
                        mu, w[r], x[r], p[r], weight[r], parties, fixed[r], active[r], nu
                    )
                    priced = True
                dual = _dual_bound(c0, mu, weight[r], parties, spread)
                if not _can_win(dual, best, fewer, slack):
                    continue
            t = _fast_one(
                c0,
                w[r],
                x[r],
                p[r],
                weight[r],
                parties,
                low[cc],
                high[cc],
                fixed[r],
                fixed[r],
                active[r],
                z,
                c,
                rows,
                work,
                precision,
                stop_at,
                best + slack if not fewer else best - slack,  # below it, t cannot replace
            )
            if _replaces(t, best, fewer, slack):
                best, best_c, priced = t, cc, False
                best_z[:] = z
                best_c0[:] = c0
                if best >= stop_at:
                    break
        out_combo[r] = best_c
        out_value[r] = best
        if best_c >= 0:
            out_z[r] = best_z


# --- the fast path for the Nash solution ---------------------------------------------------
#
# On one coordinate φ(z) = Σ α_i·log(c_i − w_i·|z − x_i|^p_i) is strictly concave on the
# interval where every term is defined; its top is where φ' changes sign: at a kink of some
# party's loss, or between two kinks where Newton's method on the smooth φ' converges. With two
# coordinates G(z1) = max_z2 φ is concave and, by the envelope theorem, G'(z1) = Σ α_i·∂_1 s_i/s_i
# at the inner optimum: the same search runs on it.


@njit
def _loss_slopes(d, p, direction):  # pragma: no cover - compiled
    """d/dz and d²/dz² of |d|^p at d, one-sided in ``direction`` at the kink."""
    if d == 0.0:
        if p > 1.0:
            return 0.0, (2.0 if p == 2.0 else 0.0)
        return direction, 0.0
    a = abs(d)
    sign = 1.0 if d > 0 else -1.0
    if p == 1.0:
        return sign, 0.0
    if p == 2.0:
        return 2.0 * d, 2.0
    return p * a ** (p - 1.0) * sign, p * (p - 1.0) * a ** (p - 2.0)


@njit
def _nash_slope(c, w, x, p, alpha, parties, z, direction):  # pragma: no cover - compiled
    """φ'(z) one-sided in ``direction``, φ''(z), and whether z is inside φ's domain."""
    first = second = 0.0
    for a in range(parties.shape[0]):
        i = parties[a]
        s = c[i] - w[i] * loss_term(z - x[i], p[i])
        if s <= 0.0:
            return 0.0, 0.0, False
        if w[i] == 0.0:
            continue
        d1, d2 = _loss_slopes(z - x[i], p[i], direction)
        ds = -w[i] * d1
        first += alpha[i] * ds / s
        second += alpha[i] * (-w[i] * d2 * s - ds * ds) / (s * s)
    return first, second, True


@njit
def _nash_line(c, w, x, p, alpha, parties, lo, hi, ref):  # pragma: no cover - compiled
    """max over z in [lo, hi] of Σ α_i·log(c_i − w_i·|z − x_i|^p_i): returns (value, z), or
    (−inf, ref) where no z makes every term defined."""
    low, high = lo, hi
    for a in range(parties.shape[0]):
        i = parties[a]
        if c[i] <= 0.0:
            return -np.inf, ref
        if w[i] == 0.0:
            continue
        reach = c[i] / w[i]
        radius = reach if p[i] == 1.0 else (np.sqrt(reach) if p[i] == 2.0 else reach ** (1 / p[i]))
        low = max(low, x[i] - radius)
        high = min(high, x[i] + radius)
    if low >= high:
        return -np.inf, ref
    # the domain's ends: a box end may be the top; a term's own end never is
    a, b = low, high
    slope, _, inside = _nash_slope(c, w, x, p, alpha, parties, a, 1.0)
    if inside and slope <= 0.0:
        return _nash_value(c, w, x, p, alpha, parties, a), a
    slope, _, inside = _nash_slope(c, w, x, p, alpha, parties, b, -1.0)
    if inside and slope >= 0.0:
        return _nash_value(c, w, x, p, alpha, parties, b), b
    for k in range(parties.shape[0]):  # kinks: the top, or a narrower bracket
        i = parties[k]
        xi = x[i]
        if p[i] >= 2.0 or w[i] == 0.0 or not (a < xi < b):
            continue
        right, _, _ = _nash_slope(c, w, x, p, alpha, parties, xi, 1.0)
        left, _, _ = _nash_slope(c, w, x, p, alpha, parties, xi, -1.0)
        if left >= 0.0 >= right:
            return _nash_value(c, w, x, p, alpha, parties, xi), xi
        if right > 0.0:
            a = xi
        else:
            b = xi
    z = (a + b) / 2  # no kink inside: safeguarded Newton on the smooth slope
    for _ in range(100):
        slope, curvature, inside = _nash_slope(c, w, x, p, alpha, parties, z, 1.0)
        if not inside:
            break
        if slope > 0.0:
            a = z
        else:
            b = z
        step = z - slope / curvature if curvature < 0.0 else (a + b) / 2
        if not (a < step < b):
            step = (a + b) / 2
        if abs(step - z) <= 1e-14 * (1.0 + abs(z)) or b - a <= 1e-15:
            z = step
            break
        z = step
    return _nash_value(c, w, x, p, alpha, parties, z), z


@njit
def _nash_value(c, w, x, p, alpha, parties, z):  # pragma: no cover - compiled
    total = 0.0
    for a in range(parties.shape[0]):
        i = parties[a]
        s = c[i] - w[i] * loss_term(z - x[i], p[i])
        if s <= 0.0:
            return -np.inf
        total += alpha[i] * np.log(s)
    return total


@njit
def _nash_outer(z1, c0, w1, x1, w2, x2, p, alpha, parties, lo2, hi2, ref2, c):
    """G(z1) = max_z2 φ, the z2 that attains it, and G' to the right and to the left (the
    envelope theorem; they differ at a kink); −inf outside the domain."""  # pragma: no cover
    for a in range(parties.shape[0]):
        i = parties[a]
        c[i] = c0[i] - w1[i] * loss_term(z1 - x1[i], p[i])
    value, z2 = _nash_line(c, w2, x2, p, alpha, parties, lo2, hi2, ref2)
    if value == -np.inf:
        return value, z2, 0.0, 0.0
    right = left = 0.0
    for a in range(parties.shape[0]):
        i = parties[a]
        s = c[i] - w2[i] * loss_term(z2 - x2[i], p[i])
        d_right, _ = _loss_slopes(z1 - x1[i], p[i], 1.0)
        d_left, _ = _loss_slopes(z1 - x1[i], p[i], -1.0)
        right += alpha[i] * (-w1[i] * d_right) / s
        left += alpha[i] * (-w1[i] * d_left) / s
    return value, z2, right, left


@njit
def _nash_plane(
    c0, w1, x1, w2, x2, p, alpha, parties, lo1, hi1, lo2, hi2, start1, ref2, c, precision
):
    """max over (z1, z2) of φ on a box, from ``start1`` inside the domain: the top of the
    concave G(z1) found on the sign of its slope — kinks first, then regula falsi on the slope
    (the Illinois rule) with bisection as the safeguard; points outside the domain send the
    search back toward the start. Returns (value, z1, z2)."""  # pragma: no cover - compiled
    value, z2s, right, left = _nash_outer(
        start1, c0, w1, x1, w2, x2, p, alpha, parties, lo2, hi2, ref2, c
    )
    best, best_z1, best_z2 = value, start1, z2s
    if right <= 0.0 <= left or value == -np.inf:
        return best, best_z1, best_z2
    if right > 0.0:
        a, b = start1, hi1
    else:
        a, b = lo1, start1
    far = b if right > 0.0 else a  # the one end of the bracket not evaluated yet
    # the kinks inside and the far end narrow the bracket
    for k in range(parties.shape[0] + 1):
        if k < parties.shape[0]:
            i = parties[k]
            point = x1[i]
            if p[i] >= 2.0 or w1[i] == 0.0 or not (a < point < b):
                continue
        else:
            point = far
            if not (a <= point <= b):
                continue  # a kink has already cut it off
        value, z2s, right, left = _nash_outer(
            point, c0, w1, x1, w2, x2, p, alpha, parties, lo2, hi2, ref2, c
        )
        if value == -np.inf:
            if point > start1:
                b = min(b, point)
            else:
                a = max(a, point)
            continue
        if value > best:
            best, best_z1, best_z2 = value, point, z2s
        if left >= 0.0 >= right:
            return value, point, z2s
        if right > 0.0:
            a = max(a, point)
        else:
            b = min(b, point)
    sa = sb = np.nan
    moved = 0  # the end the last point replaced: +1 a, −1 b
    for _ in range(precision.iterations):
        if b - a <= precision.width:
            break
        if sa == sa and sb == sb and sa > 0.0 > sb:
            candidate = a + (b - a) * sa / (sa - sb)
            if not (a < candidate < b):
                candidate = (a + b) / 2
        else:
            candidate = (a + b) / 2
        value, z2s, slope, _ = _nash_outer(
            candidate, c0, w1, x1, w2, x2, p, alpha, parties, lo2, hi2, ref2, c
        )
        if value == -np.inf:
            if candidate > start1:
                b, sb = candidate, np.nan
            else:
                a, sa = candidate, np.nan
            moved = 0
            continue
        if value > best:
            best, best_z1, best_z2 = value, candidate, z2s
        # the Illinois rule: an end kept twice in a row has its slope halved, so that regula
        # falsi does not creep up on the top from one side (Dowell & Jarratt 1971)
        if slope > 0.0:
            a, sa = candidate, slope
            if moved == 1:
                sb *= 0.5
            moved = 1
        elif slope < 0.0:
            b, sb = candidate, slope
            if moved == -1:
                sa *= 0.5
            moved = -1
        else:
            break
    return best, best_z1, best_z2


@njit
def nash_fast(
    option_loss,
    combos,
    allowed,
    w,
    x,
    p,
    disagreement,
    alpha,
    required,
    low,
    high,
    fixed,
    active,
    reference,
    precision,
    out_combo,
    out_z,
    out_value,
):  # pragma: no cover - compiled
    """:func:`nash` on the fast path (as :func:`maximin_fast`), where every party involved has a
    weight α > 0 and no constraint beyond its disagreement point: per combination, the
    maximin over the same parties finds a point inside (or shows there is none), and the
    search for the top starts there.

    On one box, N(c) = max_z Σ α_i·log(c_i − loss_i) is concave in ``c`` (base less d), with
    α_i/s_i (s_i the surplus at the top) a supergradient (the envelope theorem): N(c') ≤ N(c) +
    Σ α_i·(c'_i − c_i)/s_i. That tangent at the best combination so far bounds every
    combination whose box lies within the best one's (a smaller box gives no more) and spares
    the search of those it puts below the best; a link can give a combination a wider box,
    which the tangent does not bound."""
    n_rep, n_parties = alpha.shape
    n_free = w.shape[2]
    n_combos = combos.shape[0]
    z = np.empty(n_free)
    best_z = np.empty(n_free)
    c0 = np.empty(n_parties)
    c = np.empty(n_parties)
    unit = np.ones(n_parties)
    rows = np.empty((n_parties * n_parties, 3))
    work = np.empty(3 * n_parties)
    bound = np.empty(n_combos)
    changes = np.empty(n_combos, dtype=np.int64)
    visit = np.empty(n_combos, dtype=np.int64)
    best_c0 = np.empty(n_parties)
    slope = np.empty(n_parties)  # N's supergradient at the best combination
    slack = precision.slack
    members = np.empty(n_parties, dtype=np.int64)
    for r in range(n_rep):
        parties = _involved(required, alpha[r], members)
        losses = option_loss[r]
        for cc in range(n_combos):
            value = 0.0 if allowed[cc] else -np.inf
            if allowed[cc]:
                for i in parties:
                    top = _base(cc, losses, combos, i) - disagreement[r, i]
                    if top <= 0.0:
                        value = -np.inf
                        break
                    value += alpha[r, i] * np.log(top)
            bound[cc] = value
        _visit_order(combos, reference[r], bound, changes, visit)
        best, best_c = -np.inf, -1
        for position in range(n_combos):
            cc = visit[position]
            fewer = best_c < 0 or changes[cc] < changes[best_c]
            if not _can_win(bound[cc], best, fewer, slack):
                if _past_all(position, bound[cc], best, slack):
                    break
                continue
            for i in parties:
                c0[i] = _base(cc, losses, combos, i) - disagreement[r, i]
            if best > -np.inf and _within_box(low, high, cc, best_c):
                tangent = best
                for i in parties:
                    tangent += slope[i] * (c0[i] - best_c0[i])
                if not _can_win(tangent, best, fewer, slack):
                    continue
            margin = _fast_one(
                c0,
                w[r],
                x[r],
                p[r],
                unit,
                parties,
                low[cc],
                high[cc],
                fixed[r],
                fixed[r],
                active[r],
                z,
                c,
                rows,
                work,
                precision,
                precision.tolerance,  # room for every party: the Nash search starts there
                0.0,  # ... where it is positive
            )
            if margin <= 0.0:
                continue
            value = _nash_fast_one(
                c0,
                w[r],
                x[r],
                p[r],
                alpha[r],
                parties,
                low[cc],
                high[cc],
                fixed[r],
                active[r],
                z,
                c,
                work,
                precision,
            )
            if _replaces(value, best, fewer, slack):
                best, best_c = value, cc
                best_z[:] = z
                for i in parties:
                    surplus = c0[i]
                    for j in range(n_free):
                        surplus -= w[r, i, j] * loss_term(z[j] - x[r, i, j], p[r, i])
                    slope[i] = alpha[r, i] / surplus
                    best_c0[i] = c0[i]
        out_combo[r] = best_c
        out_value[r] = best
        if best_c >= 0:
            out_z[r] = best_z


@njit
def _within_box(low, high, inner, outer):  # pragma: no cover - compiled
    """Whether combination ``inner`` leaves the free coordinates no more room than ``outer``."""
    for j in range(low.shape[1]):
        if low[inner, j] < low[outer, j] or high[inner, j] > high[outer, j]:
            return False
    return True


@njit
def _nash_fast_one(c0, w, x, p, alpha, parties, lo, hi, fixed, active, z, c, work, precision):
    """The Nash top of one combination on the fast path, from the point in ``z`` (inside):
    returns its value and leaves the point in z."""  # pragma: no cover - compiled
    for j in range(z.shape[0]):
        if not active[j]:
            z[j] = fixed[j]
    n, j1, j2 = _free_pair(active)
    folded = work[2 * c.shape[0] : 3 * c.shape[0]]
    _fold(c0, w, x, p, parties, fixed, active, folded)
    if n == 0:
        total = 0.0
        for a in range(parties.shape[0]):
            i = parties[a]
            if folded[i] <= 0.0:
                return -np.inf
            total += alpha[i] * np.log(folded[i])
        return total
    if n == 1:
        value, z[j1] = _nash_line(
            folded, w[:, j1], x[:, j1], p, alpha, parties, lo[j1], hi[j1], z[j1]
        )
        return value
    value, z[j1], z[j2] = _nash_plane(
        folded,
        w[:, j1],
        x[:, j1],
        w[:, j2],
        x[:, j2],
        p,
        alpha,
        parties,
        lo[j1],
        hi[j1],
        lo[j2],
        hi[j2],
        z[j1],
        z[j2],
        c,
        precision,
    )
    return value
