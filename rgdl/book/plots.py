"""Figures the chapters draw: each function takes results, returns a matplotlib Figure.

Chapters call these from cells tagged ``hide-input``, so a rendered page shows
the figure with a "show code" toggle and the drawing code lives here, once.
Functions are grouped by the chapter that introduced them; figures that
several chapters share (image grids, training histories, distributions of
radii) come first.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__: list[str] = []


def _seed_se(x: np.ndarray):
    """Standard error over seeds (axis 0) for error bars; ``None`` (no bars) for one seed."""
    n = x.shape[0]
    return x.std(0, ddof=1) / np.sqrt(n) if n > 1 else None


def _export(fn):
    """Add ``fn`` to ``__all__`` (used as a decorator on every public figure function)."""
    __all__.append(fn.__name__)
    return fn


# ----------------------------------------------------------------------------- shared figures

@_export
def image_grid(rows, *, titles=None, row_labels=None, cmap="gray", symmetric=False,
               vmin=-1.0, vmax=1.0, suptitle=None, size=1.6):
    """A grid of images: ``rows[i][j]`` is a 2D array drawn in row ``i``, column ``j``.

    Parameters
    ----------
    rows : sequence of sequences of 2D arrays (rows may be shorter; missing panels are blank)
    titles : column titles, optional
    row_labels : row labels, optional
    cmap : colour map (grey for spins, ``"RdBu_r"`` for signed weights)
    symmetric : colour limits +/- max |image| per panel instead of ``vmin``/``vmax``
    suptitle : figure title, optional
    size : inches per panel
    """
    n_rows = len(rows)
    n_cols = max(len(r) for r in rows)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, size * n_rows + 0.4),
                             squeeze=False)
    for i, row in enumerate(rows):
        for j, ax in enumerate(axes[i]):
            ax.set_xticks([])
            ax.set_yticks([])
            if j >= len(row):
                ax.axis("off")
                continue
            img = np.asarray(row[j])
            lim = float(np.abs(img).max()) or 1.0
            lo, hi = (-lim, lim) if symmetric else (vmin, vmax)
            ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
            if titles is not None and i == 0 and j < len(titles):
                ax.set_title(titles[j], fontsize=9)
        if row_labels is not None:
            axes[i][0].set_ylabel(row_labels[i])
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- chapter 5

@_export
def receptive_field_grid(fields, n_show=6, seed=0, suptitle=None):
    """Randomly chosen receptive fields of every layer, one row per layer (red +, blue -).

    ``fields[l]`` is an array (n_units, L, L) of layer ``l + 1``; ``n_show`` units
    per row are drawn without replacement with ``numpy.random.default_rng(seed + l)``.
    """
    rows = []
    for layer, f in enumerate(fields):
        f = np.asarray(f)
        pick = np.random.default_rng(seed + layer).choice(len(f), min(n_show, len(f)),
                                                          replace=False)
        rows.append([f[j] for j in pick])
    return image_grid(rows, row_labels=[f"layer {l + 1}" for l in range(len(rows))],
                      cmap="RdBu_r", symmetric=True,
                      suptitle=suptitle or "Effective receptive fields $r^{(l)}$ of random units")


@_export
def radius_violins(localization, uniform=None, title="Locality of the receptive fields"):
    """Violin plots of the radii of gyration per layer: learned fields beside shuffled twins.

    ``localization`` is the list of per-layer dicts of :func:`rgdl.dbn.layer_localization`
    (keys ``layer``, ``radius``, ``baseline_radius``); ``uniform`` draws the radius of a
    uniform field as a dashed line.
    """
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    layers = [e["layer"] for e in localization]
    for e in localization:
        ax.violinplot([e["radius"], e["baseline_radius"]],
                      positions=[3 * e["layer"] - 1.4, 3 * e["layer"] - 0.6],
                      showmedians=True, widths=0.7)
    if uniform is not None:
        ax.axhline(uniform, color="k", ls="--", lw=1, label="uniform field")
        ax.legend()
    ax.set_xticks([3 * l - 1 for l in layers], [f"layer {l}\nlearned | shuffled" for l in layers])
    ax.set(ylabel="radius of gyration $R_g$ (sites)", title=title)
    fig.tight_layout()
    return fig


@_export
def flow_comparison(flows):
    """<|m|> and <ss>_nn of reconstructions from layer l beside block spins at b = 2^l.

    ``flows`` is a list (one per seed) of :class:`rgdl.dbn.ReconstructionFlow`; points are
    means over seeds with standard errors as bars (none for a single seed).
    """
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    n = len(flows)
    for ax, key, label in zip(axes, ("abs_m", "nn"), ("<|m|>", "nearest-neighbour correlation")):
        recon = np.array([getattr(f, "recon_" + key) for f in flows])
        block = np.array([getattr(f, "block_" + key) for f in flows])
        depth = np.arange(1, recon.shape[1] + 1)
        ax.errorbar(depth, recon.mean(0), _seed_se(recon), fmt="o-", capsize=3,
                    label="reconstruction from layer l")
        ax.errorbar(depth, block.mean(0)[1:], None if n == 1 else _seed_se(block)[1:], fmt="s--",
                    capsize=3, label="block spins, b = 2^l")
        ax.axhline(block.mean(0)[0], color="gray", lw=1, label="data")
        ax.set(xlabel="layer l", ylabel=label, xticks=depth)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


@_export
def layer_free_energy_curves(curves):
    """Mean free energy of training vs held-out data per epoch, one panel per layer.

    ``curves`` is :meth:`rgdl.dbn.DBN.free_energy_curves` (dicts with ``epoch``,
    ``train``, ``heldout``).
    """
    fig, axes = plt.subplots(1, len(curves), figsize=(4 * len(curves), 3.3), squeeze=False)
    for layer, (ax, c) in enumerate(zip(axes[0], curves), 1):
        ax.plot(c["epoch"], c["train"], label="training")
        ax.plot(c["epoch"], c["heldout"], label="held-out")
        ax.set(title=f"layer {layer}", xlabel="epoch",
               ylabel="mean free energy" if layer == 1 else None)
    axes[0][0].legend()
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- chapter 0: the Ising ring

@_export
def ring_free_energy(Ks, Ns=(2, 4, 8)):
    """Free energy per spin f = -ln Z / N of the ring at B = 0 against K, finite N and N = inf."""
    from rgdl import chain

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for N in Ns:
        ax.plot(Ks, [chain.free_energy_per_site(N, K) for K in Ks], label=f"N = {N}")
    ax.plot(Ks, [chain.free_energy_per_site(np.inf, K) for K in Ks], "k--", label=r"$N\to\infty$")
    ax.set(xlabel="K", ylabel=r"$f = -\ln Z / N$", title="Free energy per spin, B = 0")
    ax.legend()
    return fig


@_export
def ring_correlations(check):
    """Sampled <s_0 s_r> with binning errors (points) against the transfer matrix (lines).

    ``check`` is a :class:`rgdl.chain.MetropolisCheck`.
    """
    fig, ax = plt.subplots(figsize=(6, 3.8))
    lags = check.corr.shape[1]
    for k, K in enumerate(check.K):
        line, = ax.semilogy(np.arange(check.N // 2), check.corr_exact[k, : check.N // 2], lw=1)
        ax.errorbar(np.arange(lags), check.corr[k], yerr=check.corr_err[k], fmt="o", ms=4,
                    color=line.get_color(), label=f"K = {K:g}")
    ax.set(xlabel="distance r", ylabel=r"$\langle s_0 s_r\rangle$", ylim=(1e-4, 1.2),
           xlim=(-0.5, 16), title="Metropolis (points) vs transfer matrix (lines)")
    ax.legend()
    return fig


@_export
def ring_correlation_length(check, K_range=(0.1, 1.3)):
    """xi = -1/ln tanh K (line) and -1/ln C(1) from Metropolis samples (points with errors)."""
    from rgdl import chain

    fig, ax = plt.subplots(figsize=(6, 3.5))
    Ks = np.linspace(*K_range, 200)
    ax.plot(Ks, [chain.correlation_length(K) for K in Ks], "k-", label=r"$-1/\ln\tanh K$")
    ax.errorbar(check.K, check.xi, yerr=check.xi_err, fmt="o", color="C3", label="Metropolis")
    ax.set(xlabel="K", ylabel=r"$\xi$", title="Correlation length of the Ising chain")
    ax.legend()
    return fig


# ----------------------------------------------------------------------------- chapter 1: Hopfield

@_export
def hopfield_energy_descent(descent, N, P, show=25):
    """H/N after every single-unit step of the first ``show`` asynchronous runs."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    E = descent.energies
    steps = np.arange(E.shape[0]) / N
    for k in range(min(show, E.shape[1])):
        ax.plot(steps, E[:, k] / N, lw=0.8)
    ax.axhline(-0.5, color="k", ls=":", label=r"stored pattern, $-1/2$ per unit")
    ax.set(xlabel="sweeps (N single-unit steps)", ylabel=r"$\mathcal{H}/N$",
           title=f"asynchronous dynamics, N = {N}, P = {P}")
    ax.legend()
    return fig


@_export
def hopfield_two_cycle(sync):
    """H and L along the first synchronous run that ends in a 2-cycle, and async from its start.

    ``sync`` is a :class:`rgdl.hopfield.SyncCycles` with a 2-cycle.
    """
    N, E, L = sync.N, sync.energies, sync.lyapunov
    fig, ax = plt.subplots(figsize=(6, 3.5))
    t = np.arange(len(E))
    ax.plot(t, E / N, "o-", ms=3, label=r"synchronous: $\mathcal{H}(s(t))/N$")
    ax.plot(t[1:], L / N, "s-", ms=3, label=r"synchronous: $L(t)/N$")
    Ea = sync.async_energies
    ax.plot(np.arange(len(Ea)) / N, Ea / N, lw=1,
            label=r"asynchronous from the same start (x = sweeps)")
    ax.set(xlabel="step", ylabel="energy per unit",
           title=f"a 2-cycle: the last two states differ in {sync.hamming} of {N} units")
    ax.legend(fontsize=8)
    return fig


@_export
def hopfield_basins(basins):
    """Mean final overlap against the initial overlap, one curve per load."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for alpha, P, curve in zip(basins.alphas, basins.patterns, basins.final):
        ax.plot(basins.m0, curve, "o-", ms=3, label=rf"$\alpha$ = {alpha:g} (P = {P})")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8, label="no change")
    ax.set(xlabel=r"initial overlap $m_0$", ylabel="mean final overlap",
           title=f"basins of attraction, N = {basins.N}")
    ax.legend()
    return fig


@_export
def hopfield_capacity(cap, alpha_c=0.138):
    """Mean final overlap from the stored patterns against the load, one curve per N."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for N, curve, x in zip(cap.Ns, cap.curves, cap.crossings):
        ax.plot(cap.alphas, curve, "o-", ms=3, label=f"N = {N}: {cap.level} crossed at {x:.3f}")
    ax.axvline(alpha_c, color="k", ls=":", label=rf"$\alpha_c$ = {alpha_c} (N $\to\infty$)")
    ax.axhline(cap.level, color="gray", lw=0.8)
    ax.set(xlabel=r"load $\alpha = P/N$", ylabel="mean final overlap from the stored patterns",
           title="the end of the retrieval phase")
    ax.legend(fontsize=8)
    return fig


@_export
def hopfield_end_energies(spurious):
    """Histogram of H/N of the states random starts end in, for each storage rule."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    bins = np.linspace(-0.55, -0.2, 71)
    for name, e in spurious.final_energy.items():
        ax.hist(e, bins=bins, histtype="step", label=name)
    for x, text in ((-0.5, "memories"), (-0.375, "3-mixtures")):
        ax.axvline(x, color="k", ls=":", lw=0.8)
        ax.text(x, ax.get_ylim()[1] * 0.9, " " + text, fontsize=8)
    ax.set(xlabel=r"$\mathcal{H}/N$ of the end state", ylabel="random starts",
           title="where the dynamics ends from random starts")
    ax.legend()
    return fig


@_export
def hopfield_glauber(check, T, floor=1e-4):
    """Sampled frequencies against exact P(s), and the TVD against its i.i.d. reference.

    ``check`` is a :class:`rgdl.hopfield.GlauberCheck`.
    """
    p = check.p_exact
    N = int(np.log2(p.size))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    keep = p > floor
    axes[0].loglog(p[keep], check.q[keep], ".", ms=3, label=f"Glauber at T = {T}")
    axes[0].loglog(p[keep], check.q_wrong[keep], ".", ms=3, alpha=0.5,
                   label="Glauber at the wrong T")
    axes[0].plot([floor, p.max()], [floor, p.max()], "k:", lw=0.8)
    axes[0].set(xlabel="exact P(s)", ylabel="sampled frequency",
                title=f"all {p.size} states of N = {N} units")
    axes[0].legend(fontsize=8)
    axes[1].hist(check.reference, bins=30, color="lightgray",
                 label=f"{check.n_eff} i.i.d. exact samples")
    axes[1].axvline(check.tvd, color="C0", label="Glauber")
    axes[1].axvline(check.bound, color="k", ls="--", label="bound (mean + 5 sd)")
    axes[1].set(xlabel="total variation distance", title="sampling noise vs sampler error")
    axes[1].legend(fontsize=8)
    return fig


@_export
def hopfield_thermodynamics(thermo, N):
    """Exact F, U and TS against T, with the ground-state energy."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(thermo.T, thermo.F, label=r"$F = -T\ln Z$")
    ax.plot(thermo.T, thermo.U, label=r"$U = \langle\mathcal{H}\rangle$")
    ax.plot(thermo.T, thermo.T * thermo.S, label=r"$TS$")
    ax.axhline(thermo.ground_energy, color="k", ls=":", lw=0.8, label="ground state")
    ax.set(xlabel="temperature T", ylabel="energy", title=f"exact thermodynamics, N = {N}")
    ax.legend()
    return fig


# ----------------------------------------------------------------------------- chapter 2: RBMs

@_export
def training_history(histories, keys, *, ylabels=None, key_labels=None, vlines=None,
                     titles=None, x="epoch", size=(4.4, 3.3)):
    """Per-epoch training curves, one panel per entry of ``keys``, averaged over seeds.

    Parameters
    ----------
    histories : dict ``label -> history`` or ``label -> [history per seed]``
        A history is a dict of per-epoch lists, as :func:`rgdl.rbm.fit` returns
        (also usable for any trainer that records such dicts).
    keys : sequence; each entry a key of the histories or a tuple of keys (several
        curves in one panel, e.g. ``("loglik_train", "loglik_heldout")``).
    ylabels, titles : one per panel, optional.
    key_labels : dict ``key -> legend text``, optional (default: the key).
    vlines : x positions marked with dotted lines on every panel, optional.
    x : the key of the abscissa.

    With several seeds each curve is their mean, with a band of +/- one standard
    deviation; with one seed, the curve itself.
    """
    panels = [(k,) if isinstance(k, str) else tuple(k) for k in keys]
    fig, axes = plt.subplots(1, len(panels), figsize=(size[0] * len(panels), size[1]),
                             squeeze=False)
    key_labels = key_labels or {}
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, panel, i in zip(axes[0], panels, range(len(panels))):
        n = 0
        for label, hist in histories.items():
            runs = [hist] if isinstance(hist, dict) else list(hist)
            for key in panel:
                ys = np.array([r[key] for r in runs], dtype=float)
                xs = np.asarray(runs[0][x])
                name = [s for s in (label if len(histories) > 1 else "",
                                    key_labels.get(key, key) if len(panel) > 1 else "") if s]
                colour = colours[n % len(colours)]
                ax.plot(xs, ys.mean(0), color=colour, label=", ".join(name) or None)
                if len(runs) > 1:
                    sd = ys.std(0, ddof=1)
                    ax.fill_between(xs, ys.mean(0) - sd, ys.mean(0) + sd, color=colour, alpha=0.2)
                n += 1
        for v in vlines or ():
            ax.axvline(v, color="grey", ls=":", lw=1)
        ax.set_xlabel(x)
        if ylabels is not None:
            ax.set_ylabel(ylabels[i])
        if titles is not None:
            ax.set_title(titles[i], fontsize=10)
        if n > 1:
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@_export
def ais_convergence(checks, title="AIS against the exact ln Z"):
    """``ln Z_AIS - ln Z`` with its standard error against the number of temperatures.

    ``checks``: a list of results with ``n_betas``, ``error`` and ``stderr``
    attributes (:func:`rgdl.rbm.ais.ais_sweep`).
    """
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.errorbar([c.n_betas for c in checks], [c.error for c in checks],
                yerr=[c.stderr for c in checks], fmt="o-", capsize=3, label="AIS $-$ exact")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("number of intermediate temperatures")
    ax.set_ylabel(r"$\ln Z_{\rm AIS} - \ln Z$ (nats)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- chapter 3: variational RG

@_export
def vrg_training_curves(runs):
    """Exact KL(P || P_RBM) and Delta F = F_h - F_v per epoch for trained ring RBMs.

    ``runs``: results with ``K``, ``arch`` and a ``history`` holding ``epoch``,
    ``kl`` and ``delta_F`` (:func:`rgdl.rg.experiments.train_ring_rbms`).
    """
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for run in runs:
        h = run.history
        ls = "-" if run.arch == "fully connected" else "--"
        axes[0].semilogy(h["epoch"], h["kl"], ls, label=f"K={run.K}, {run.arch}")
        axes[1].plot(h["epoch"], h["delta_F"], ls)
    axes[0].set(xlabel="epoch", ylabel=r"KL$(P\,\|\,P_{RBM})$ [nats]",
                title="KL divergence (exact)")
    axes[1].axhline(0, color="k", lw=0.5)
    axes[1].set(xlabel="epoch", ylabel=r"$\Delta F = F_h - F_v$", title="free-energy difference")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


@_export
def vrg_decimation_flow(K_start=2.2, steps=6, K_max=2.5):
    """The decimation map K' = (1/2) ln cosh 2K of the 1D chain, with a cobweb of its flow."""
    from rgdl import rg

    Kg = np.linspace(0, K_max, 200)
    fig, ax = plt.subplots(figsize=(5, 4.2))
    ax.plot(Kg, rg.decimation_coupling(Kg), label=r"$K' = \frac{1}{2}\ln\cosh 2K$")
    ax.plot(Kg, Kg, "k:", lw=0.8, label="K' = K")
    flow = rg.decimation_flow(K_start, steps)
    xs = np.repeat(flow, 2)[:-1]
    ys = np.concatenate([[0.0], np.repeat(flow[1:], 2)])[: len(xs)]
    ax.plot(xs, ys, "r-", lw=0.8, label=f"flow from K = {K_start}")
    ax.plot([0], [0], "go", ms=8, label="K* = 0 (stable)")
    ax.annotate(r"K* = $\infty$ (unstable)", xy=(0.98 * K_max, 0.8 * K_max), ha="right")
    ax.set(xlabel="K", ylabel="K'", xlim=(0, K_max), ylim=(0, K_max),
           title="Decimation flow of the 1D chain")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


@_export
def vrg_majority_couplings(result):
    """|J_S| by order and extent of the majority-rule coarse Hamiltonians, one bar per K.

    ``result``: :class:`rgdl.rg.experiments.MajorityCouplings`.
    """
    Ks = result.couplings
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    panels = (("ring", f"ring of {result.ring_size}, b = 3"), ("torus", "4x4 torus, 2x2 blocks"))
    width = 0.8 / len(Ks)
    for ax, (lattice, title) in zip(axes, panels):
        groups = [(r["order"], r["extent"]) for r in getattr(result, lattice)[Ks[-1]]]
        x = np.arange(len(groups))
        for i, K in enumerate(Ks):
            vals = [abs(result.mean(lattice, K, o, e)) for o, e in groups]
            ax.bar(x + width * (i - (len(Ks) - 1) / 2), vals, width=width, label=f"K = {K}")
        ax.set_yscale("log")
        ax.set_xticks(x, [f"{o}-body\nd={e:.2g}" for o, e in groups], fontsize=7)
        ax.set(ylabel=r"$|J_S|$ (mean over the group)", title=title)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


@_export
def vrg_ring_couplings(rows):
    """Learned nearest-neighbour couplings of H_RBM(v) and H_RBM(h) against the exact RG.

    ``rows``: :class:`rgdl.rg.experiments.RingCouplings`, several seeds per
    (K, architecture); points are means over the seeds, bars their standard deviation.
    """
    from rgdl import rg

    def by_k(arch, attr):
        Ks = sorted({r.K for r in rows if r.arch == arch})
        vals = [[getattr(r, attr) for r in rows if r.arch == arch and r.K == K] for K in Ks]
        sd = [np.std(v, ddof=1) if len(v) > 1 else 0.0 for v in vals]
        return np.array(Ks), np.array([np.mean(v) for v in vals]), np.array(sd)

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for arch, mk, col in (("fully connected", "o", "C0"), ("local", "s", "C1")):
        K, m, sd = by_k(arch, "nn_v")
        axes[0].errorbar(K, m, yerr=sd, fmt=mk, color=col, label=f"RBM {arch}: nn coupling of H(v)")
        K, m, _ = by_k(arch, "far_v")
        axes[0].plot(K, m, mk, color=col, mfc="none", label=f"RBM {arch}: max |longer-range|")
    K, m, sd = by_k("local", "nn_h")
    axes[1].errorbar(K, m, yerr=sd, fmt="s", color="C1", label="local RBM: nn coupling of H(h)")
    _, maj, _ = by_k("local", "K_maj")
    Kc = np.linspace(0.2, 1.1, 50)
    axes[0].plot(Kc, Kc, "k-", lw=0.8, label="true K")
    axes[1].plot(Kc, rg.decimation_coupling(Kc), "k-", lw=0.8, label=r"decimation $K'$")
    axes[1].plot(K, maj, "k^", label="majority rule (b = 2), nn")
    axes[0].set(xlabel="K of the data", ylabel="coupling", title="visible layer")
    axes[1].set(xlabel="K of the data", ylabel="coupling", title="hidden layer")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- chapter 4: 2D Ising

@_export
def ising_exact_curves(sizes, K=None):
    """Exact energy and specific heat of L x L tori, Onsager's energy and Yang's magnetization."""
    from rgdl import ising

    K = np.linspace(0.25, 0.7, 400) if K is None else np.asarray(K)
    kc = ising.critical_coupling()
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    for L in sizes:
        ax[0].plot(K, ising.exact_energy(L, L, K), label=f"L={L}")
        ax[1].plot(K, ising.exact_specific_heat(L, L, K), label=f"L={L}")
    ax[0].plot(K, ising.onsager_energy(K), "k--", label="Onsager, $L=\\infty$")
    ax[2].plot(K, ising.spontaneous_magnetization(K), "k")
    titles = ["energy per site", "specific heat per site", "Yang: spontaneous magnetization"]
    for a, title in zip(ax, titles):
        a.axvline(kc, color="grey", lw=0.8, ls=":")
        a.set(xlabel="K", title=title)
    ax[0].legend()
    ax[1].legend()
    fig.tight_layout()
    return fig


@_export
def ising_thermo_vs_exact(scan, window=(0.75, 1.25)):
    """Sampled <E>/N and C/N (points, jackknife errors) on the exact finite-torus curves.

    ``scan``: :class:`rgdl.ising.ThermoScan`.
    """
    from rgdl import ising

    kc = ising.critical_coupling()
    K = np.linspace(window[0] * kc, window[1] * kc, 300)
    fig, ax = plt.subplots(1, 2, figsize=(12, 4))
    for i, L in enumerate(scan.sizes):
        col = f"C{i}"
        exact = (ising.exact_energy(L, L, K), ising.exact_specific_heat(L, L, K))
        for a, curve, est in zip(ax, exact, (scan.energy[i], scan.specific_heat[i])):
            a.plot(K, curve, color=col, lw=1, label=f"exact L={L}")
            a.errorbar(scan.couplings, est[:, 0], est[:, 1], fmt="o", color=col, ms=4, capsize=2)
    for a, lab in zip(ax, ["$\\langle E\\rangle/N$", "$C/N$"]):
        a.axvline(kc, color="grey", lw=0.8, ls=":")
        a.set(xlabel="K", ylabel=lab, xlim=(K[0], K[-1]))
    ax[1].legend()
    fig.tight_layout()
    return fig


@_export
def ising_binder_curves(scan, crossings):
    """Binder cumulants of each size against K, the exact K_c and the mean crossing."""
    from rgdl import ising

    fig, ax = plt.subplots(figsize=(6, 4))
    for i, L in enumerate(scan.sizes):
        U = scan.binder[i]
        ax.errorbar(scan.couplings, U[:, 0], U[:, 1], fmt="o-", ms=4, capsize=2, label=f"L={L}")
    ax.axvline(ising.critical_coupling(), color="grey", ls=":", label="exact $K_c$")
    ax.axvline(crossings.K_star, color="k", lw=0.8, label="mean crossing")
    ax.set(xlabel="K", ylabel="$U_L$")
    ax.legend()
    fig.tight_layout()
    return fig


@_export
def ising_dynamic_exponents(dyn):
    """tau_int of |m| and of E at K_c against L (log-log), mean and s.e. over seeds, with fits.

    ``dyn``: :class:`rgdl.ising.DynamicExponents`; lines are ``A L^z`` with the seed-mean z.
    """
    L = np.array(dyn.sizes, dtype=float)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, obs, taus in zip(axes, ("abs_m", "energy"), (dyn.tau_abs_m, dyn.tau_energy)):
        for m, marker in zip(dyn.methods, "osd^"):
            t = np.asarray(taus[m])
            se = t.std(axis=0, ddof=1) / np.sqrt(t.shape[0]) if t.shape[0] > 1 else None
            z, z_se = dyn.z(m, obs)
            mean = t.mean(axis=0)
            ax.errorbar(L, mean, se, fmt=marker, capsize=2, label=f"{m}: z = {z:.2f} ± {z_se:.2f}")
            log_a = np.mean(np.log(mean) - z * np.log(L))
            ax.plot(L, np.exp(log_a) * L ** z, "k-", lw=0.6)
        ax.set(xscale="log", yscale="log", xlabel="L",
               ylabel=f"$\\tau_{{int}}$({'|m|' if obs == 'abs_m' else 'E'}) [sweeps]")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@_export
def ising_block_flow(scan):
    """nn correlation, <|m|> and Binder cumulant against blocking level, one line per coupling.

    ``scan``: :class:`rgdl.ising.BlockFlowScan`; points are means over seeds, bars
    their standard errors.
    """
    from rgdl import ising

    kc = ising.critical_coupling()
    levels = np.arange(scan.nn.shape[2])
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    labels = ["nearest-neighbour $\\langle s_i s_j\\rangle$", "$\\langle |m| \\rangle$", "$U_l$"]
    for ax, values, lab in zip(axes, (scan.nn, scan.abs_m, scan.binder), labels):
        for k, K in enumerate(scan.couplings):
            v = values[:, k]
            ax.errorbar(levels, v.mean(axis=0), _seed_se(v), fmt="o-", capsize=2,
                        label=f"K = {K / kc:.2f} K_c")
        ax.set(xlabel="blocking steps (b = 2)", ylabel=lab, xticks=levels)
    axes[2].axhline(0.6107, color="grey", ls=":", lw=0.8, label="$U^*$ (critical)")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- chapter 6: RBM flows

@_export
def flow_trajectories(panels, *, references=None, ylabel="T read from the energy"):
    """Temperature against flow step, one panel per entry of ``panels``.

    ``panels`` maps a title to ``(starts, T)`` with ``T`` of shape
    ``(seeds, len(starts), steps + 1)``: each start is one colour, each seed one
    line. ``references`` maps a label to a temperature drawn as a dashed line.
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False,
                             sharey=True)
    cmap = plt.get_cmap("coolwarm")
    for ax, (title, (starts, T)) in zip(axes[0], panels.items()):
        T = np.asarray(T)
        lo, hi = float(np.min(starts)), float(np.max(starts))
        for i, t0 in enumerate(starts):
            colour = cmap((t0 - lo) / (hi - lo) if hi > lo else 0.5)
            for s in range(T.shape[0]):
                ax.plot(T[s, i], color=colour, lw=1, alpha=0.8,
                        label=f"start T = {t0:.2f}" if s == 0 else None)
        for j, (label, value) in enumerate((references or {}).items()):
            ax.axhline(value, color=f"C{j + 2}", ls="--", lw=1, label=label)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("flow step")
    axes[0][0].set_ylabel(ylabel)
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


@_export
def fixed_point_vs_size(sizes, T_star, *, T_c, T_peak=None, labels=None):
    """T* (mean and standard error over seeds) against L, with T_c and the C-peak curve.

    ``T_star`` maps a series label to a list (one entry per size) of per-seed
    arrays; ``T_peak`` is the exact finite-lattice specific-heat peak at each size.
    """
    fig, ax = plt.subplots(figsize=(5.0, 3.6))
    sizes = np.asarray(sizes, dtype=float)
    for j, (label, per_size) in enumerate(T_star.items()):
        mean = np.array([np.mean(x) for x in per_size])
        se = np.array([np.std(x, ddof=1) / np.sqrt(len(x)) if len(x) > 1 else 0.0
                       for x in per_size])
        ax.errorbar(sizes * (1 + 0.02 * j), mean, yerr=se, fmt="o", capsize=3, label=label)
    ax.axhline(T_c, color="k", ls="--", lw=1, label="$T_c$ (Onsager)")
    if T_peak is not None:
        ax.plot(sizes, T_peak, "s--", color="C3", lw=1, ms=4, label="specific-heat peak $T_{C}(L)$")
    ax.set_xscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([str(int(s)) for s in sizes])
    ax.set_xlabel("L")
    ax.set_ylabel("fixed point $T^*$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@_export
def two_thermometers(T_exact, T_neural, *, steps=None, starts=None):
    """The exact (energy) and neural thermometers on the same flows, side by side.

    Left: both readings against flow step (``T_*`` of shape ``(len(starts), steps + 1)``;
    solid exact, dotted neural). Right: neural against exact for every step and
    start, with the diagonal.
    """
    T_exact, T_neural = np.asarray(T_exact), np.asarray(T_neural)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.0, 3.6))
    for i in range(T_exact.shape[0]):
        label = f"start T = {starts[i]:.2f}" if starts is not None else None
        a.plot(T_exact[i], color=f"C{i}", lw=1.2, label=label)
        a.plot(T_neural[i], color=f"C{i}", lw=1.2, ls=":")
    a.set_xlabel("flow step")
    a.set_ylabel("T (solid: energy, dotted: neural)")
    a.legend(fontsize=7)
    b.scatter(T_exact.ravel(), T_neural.ravel(), s=6, alpha=0.6)
    lims = [min(T_exact.min(), T_neural.min()), max(T_exact.max(), T_neural.max())]
    b.plot(lims, lims, "k--", lw=1)
    b.set_xlabel("T from the energy (exact)")
    b.set_ylabel("T from the neural thermometer")
    fig.tight_layout()
    return fig


@_export
def ring_flows(K_rbm, K_dec, starts):
    """The 1D ring: coupling against step under the RBM flow (solid) and decimation (dashed)."""
    fig, ax = plt.subplots(figsize=(5.0, 3.6))
    for i, k0 in enumerate(starts):
        ax.plot(K_rbm[i], color=f"C{i}", lw=1.2, label=f"RBM flow from K = {k0:.2f}")
        ax.plot(K_dec[i], color=f"C{i}", lw=1.2, ls="--")
    ax.set_xlabel("step (dashed: exact decimation, tanh K' = tanh$^2$ K)")
    ax.set_ylabel("coupling K")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- chapter 7 (MCRG)

@_export
def mcrg_exponents(rows, exact=(1.0, 15 / 8)):
    """y_t and y_h against the level, one line per (rule, L), with error bars.

    ``rows``: dicts with ``rule``, ``L``, ``level``, ``y_t``, ``y_t_err``, ``y_h``,
    ``y_h_err`` (:class:`rgdl.mcrg.RuleTable` rows); ``exact``: the 2D Ising values.
    """
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6))
    keys = sorted({(r["rule"], r["L"]) for r in rows}, key=lambda k: (k[0], k[1]))
    for i, (rule, L) in enumerate(keys):
        sel = sorted((r for r in rows if (r["rule"], r["L"]) == (rule, L)),
                     key=lambda r: r["level"])
        lv = np.array([r["level"] for r in sel]) + 0.04 * (i - len(keys) / 2)
        for ax, y in zip(axes, ("y_t", "y_h")):
            ax.errorbar(lv, [r[y] for r in sel], yerr=[r[y + "_err"] for r in sel], marker="o",
                        ms=4, capsize=2, label=f"{rule}, L={L}")
    for ax, y, value, name in zip(axes, ("y_t", "y_h"), exact, ("$y_t$", "$y_h$")):
        ax.axhline(value, color="k", lw=0.8, ls="--", label="exact")
        ax.set_xlabel("level $n$ (map $n-1 \\to n$)")
        ax.set_ylabel(name)
        ax.set_xticks(sorted({r["level"] for r in rows}))
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


@_export
def mcrg_filters(rules, mi_history=None):
    """Learned 2x2 filters in weight space, next to majority and decimation.

    ``rules``: ``{name: [Rule, ...]}`` (one per seed). Left: the weights of each
    rule, normalised to unit length with a positive sum, as four bars per
    filter. Right (with ``mi_history``, a list of per-step DV bounds per seed):
    the RSMI bound during training.
    """
    ncols = 2 if mi_history is not None else 1
    fig, axes = plt.subplots(1, ncols, figsize=(4.8 * ncols, 3.4), squeeze=False)
    ax = axes[0, 0]
    refs = {"majority": np.full(4, 0.5), "decimation": np.array([1.0, 0, 0, 0])}
    items = list(refs.items())
    for name, group in rules.items():
        items += [(f"{name} s{k}", r.direction()) for k, r in enumerate(group)]
    width = 0.8 / 4
    for k in range(4):
        ax.bar(np.arange(len(items)) + (k - 1.5) * width, [v[k] for _, v in items], width,
               label=f"$w_{k + 1}$")
    ax.set_xticks(np.arange(len(items)), [n for n, _ in items], rotation=45, ha="right",
                  fontsize=7)
    ax.set_ylabel("$w / |w|$")
    ax.legend(fontsize=7, ncol=4)
    if mi_history is not None:
        ax = axes[0, 1]
        for k, h in enumerate(mi_history):
            ax.plot(h, lw=0.8, label=f"seed {k}")
        ax.set_xlabel("step")
        ax.set_ylabel("DV bound on $I(h:E)$ (nats)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


@_export
def mcrg_ms_placement(layer):
    """Where the Mehta-Schwab hidden units sit: field centres over the block lattice.

    ``layer``: a :class:`rgdl.mcrg.MSLayer`. Dots are the circular centres of the
    400 fields, grey lines the block boundaries; red dots share their nearest
    block with another unit. Right: how many units round to each block.
    """
    L, side = layer.L, layer.side
    b = L / side
    pos = np.mod(np.rint((layer.centres - (b - 1) / 2) / b), side).astype(int)
    flat = pos[:, 0] * side + pos[:, 1]
    counts = np.bincount(flat, minlength=side * side)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    ax = axes[0]
    for k in range(side + 1):
        ax.axhline(k * b - 0.5, color="0.85", lw=0.5)
        ax.axvline(k * b - 0.5, color="0.85", lw=0.5)
    crowded = counts[flat] > 1
    ax.scatter(layer.centres[~crowded, 1], layer.centres[~crowded, 0], s=6, c="k",
               label="alone in its block")
    ax.scatter(layer.centres[crowded, 1], layer.centres[crowded, 0], s=6, c="r",
               label="shares its block")
    ax.set_xlim(-0.5, L - 0.5)
    ax.set_ylim(L - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_title("field centres on the lattice", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    im = axes[1].imshow(counts.reshape(side, side), cmap="viridis")
    axes[1].set_title("units per block (nearest centre)", fontsize=9)
    fig.colorbar(im, ax=axes[1], shrink=0.8)
    fig.tight_layout()
    return fig


@_export
def flow_end_vs_start(starts, T_one, T_end, *, references=None):
    """Temperature after one flow step and at the end of the flow against the start.

    ``T_one`` and ``T_end`` have shape ``(seeds, len(starts))``; each seed is one
    line. The diagonal is "the flow did not move"; ``references`` maps a label to
    a temperature drawn as a dashed horizontal line (T_c, the C peak, T*).
    """
    starts = np.asarray(starts, dtype=float)
    T_one, T_end = np.atleast_2d(T_one), np.atleast_2d(T_end)
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    ax.plot(starts, starts, color="0.6", lw=1, ls=":", label="no flow (T = start)")
    for s in range(T_end.shape[0]):
        ax.plot(starts, T_one[s], "o-", color="C0", ms=3, lw=0.8, alpha=0.6,
                label="after 1 step" if s == 0 else None)
        ax.plot(starts, T_end[s], "s-", color="C1", ms=3, lw=1.2,
                label="at the end of the flow" if s == 0 else None)
    for j, (label, value) in enumerate((references or {}).items()):
        ax.axhline(value, color=f"C{j + 2}", ls="--", lw=1, label=label)
    ax.set_xlabel("start temperature (training data)")
    ax.set_ylabel("T read from the energy")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


# ------------------------------------------------ chapter 2 (issue #18): mean field, tempering

@_export
def tap_errors(sweep, title="TAP ln Z against the exact ln Z"):
    """Mean ``|ln Z_TAP - ln Z|`` over seeds against the weight scale, log-log, one line per order.

    ``sweep``: a :class:`rgdl.rbm.comparisons.TAPSweep`. Open markers: some seed's
    fixed point did not converge; dashed lines: the power laws fitted at small
    ``sigma_W`` (slopes in the legend); dotted vertical line: the breakdown scale.
    """
    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    s = np.asarray(sweep.sigmas)
    fit = s[: sweep.n_fit]
    for i, order in enumerate(sweep.orders):
        err = np.maximum(sweep.mean_abs_error(order), 1e-300)
        ok = sweep.converged[i].all(axis=1)
        colour = f"C{i}"
        ax.plot(s, err, "-", color=colour, lw=1.2)
        ax.plot(s[ok], err[ok], "o", color=colour, ms=4,
                label=f"order {order} (slope {sweep.slopes[order]:.2f})")
        if (~ok).any():
            ax.plot(s[~ok], err[~ok], "o", mfc="none", color=colour, ms=6)
        k, a = np.polyfit(np.log(fit), np.log(err[: sweep.n_fit]), 1)
        ax.plot(fit, np.exp(a) * fit**k, "--", color="k", lw=0.8)
    if sweep.breakdown is not None:
        ax.axvline(sweep.breakdown, color="grey", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"weight scale $\sigma_W$")
    ax.set_ylabel(r"$|\ln Z_{\rm TAP} - \ln Z|$ (nats, mean over seeds)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@_export
def tempering_mixing(mix, max_lag=None):
    """Left: PT swap acceptance per neighbour pair; right: rho(t) of PT and of block Gibbs.

    ``mix``: a :class:`rgdl.rbm.comparisons.MixingComparison`. Swap rates are the
    mean over seeds (bars) with one dot per seed; rho(t) is centred on the exact
    mean of the magnetisation, so a chain stuck in one mode stays near 1.
    """
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.5))
    betas = np.asarray(mix.betas)
    rates = np.atleast_2d(mix.swap_rate)
    pairs = np.arange(rates.shape[1])
    axes[0].bar(pairs, rates.mean(0), color="C0", alpha=0.6)
    for r in rates:
        axes[0].plot(pairs, r, "k.", ms=3)
    axes[0].set_xticks(pairs)
    axes[0].set_xticklabels([f"{betas[k]:.2f}-{betas[k + 1]:.2f}" for k in pairs],
                            rotation=60, fontsize=7)
    axes[0].set_xlabel(r"neighbour pair $\beta_k - \beta_{k+1}$")
    axes[0].set_ylabel("swap acceptance")
    axes[0].set_ylim(0, 1)
    lag = len(mix.rho_pt) - 1 if max_lag is None else max_lag
    t = np.arange(lag + 1)
    axes[1].plot(t, mix.rho_gibbs[: lag + 1], color="C3", label="block Gibbs")
    axes[1].plot(t, mix.rho_pt[: lag + 1], color="C0",
                 label=f"parallel tempering (M = {len(betas)})")
    axes[1].axhline(0, color="grey", lw=0.5)
    axes[1].set_xlabel("lag t (sweeps)")
    axes[1].set_ylabel(r"$\rho(t)$ of the magnetisation")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------- chapter 5: controls and K_c

@_export
def correlation_scan(scan):
    """Locality ratio and core radius of each layer against the exact correlation length.

    ``scan`` is a :class:`rgdl.dbn.CorrelationScan`; points are means over seeds with
    standard errors; the ``K_c`` point (``xi = inf``) is drawn at the right edge, at ``L``.
    """
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    xi = np.where(np.isfinite(scan.xi), scan.xi, scan.L)
    for ax, values, label in ((axes[0], scan.ratio, "locality ratio (1: no arrangement)"),
                              (axes[1], scan.core, "core radius, weights $|r|^8$ (sites)")):
        for layer in range(values.shape[2]):
            v = values[:, :, layer]
            ax.errorbar(xi, v.mean(0), _seed_se(v), fmt="o-", capsize=3, label=f"layer {layer + 1}")
        ax.set(xscale="log", xlabel=r"exact correlation length $\xi$ ($K_c$: drawn at $L$)",
               ylabel=label)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Fields across couplings, L = {scan.L}")
    fig.tight_layout()
    return fig


@_export
def critical_layers(summaries):
    """Binder cumulant per layer beside the lattice and block spins, for networks at ``K_c``.

    ``summaries`` maps a label (e.g. ``"L = 40"``) to a :class:`rgdl.dbn.CriticalSummary`;
    the right panel shows the fitted hidden-correlation exponent per layer against 1/4.
    """
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, (label, s) in enumerate(summaries.items()):
        layers = np.arange(1, s.binder.shape[1] + 1)
        axes[0].errorbar(layers + 0.08 * k, s.binder.mean(0), _seed_se(s.binder), fmt="o-",
                         capsize=3, label=f"layers, {label}")
        axes[0].errorbar(np.log2(s.block_sizes) + 0.08 * k, s.blocks.mean(0), _seed_se(s.blocks),
                         fmt="s--", capsize=3, label=f"block spins b = 2^l, {label}")
        axes[1].errorbar(np.array(s.decay_layers) + 0.08 * k, s.exponent.mean(0),
                         _seed_se(s.exponent), fmt="o-", capsize=3, label=label)
    axes[0].axhline(s.u_star, color="k", ls=":", lw=1, label="U* = 0.61069")
    axes[0].set(xlabel="layer l (or block level)", ylabel="Binder cumulant U", xticks=layers)
    axes[1].axhline(s.eta, color="k", ls=":", lw=1, label=r"$\eta = 1/4$")
    axes[1].set(xlabel="layer l", ylabel="decay exponent of hidden correlations",
                xticks=layers)
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
