"""Benchmark suite of ``ifl``: run ``python benchmarks/run.py [--quick]``.

Every comparison runs its candidates in the same process, interleaved, so that the
ratios it prints stay meaningful on a busy machine. Sections (``--only`` picks some):

``peak``      fp32 matrix-multiply throughput of this machine (the reference);
``ae``        autoencoder training throughput, one model vs r fold models batched;
``folds``     IFL wall time with the r fold models trained batched vs one by one;
``clustpy``   our DEC against ClustPy's DEC on the same data and epochs (if installed);
``scaling``   wall time and peak memory of a short IFL run as n grows (MNIST rows);
``shared``    shared vs per-fold pretraining: wall time and fold-model ACC;
``profile``   where the time of one batched training step goes (torch profiler).

MNIST is read from the four canonical IDX ``.gz`` files in ``--data-dir`` (default:
the ``IFL_DATA_DIR`` environment variable); sections that need it are skipped with a
message when it is missing.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import torch

from ifl_core.data import bundled_digits
from ifl_core.engine import Components, run_inner_folding
from ifl_core.matching import clustering_accuracy
from ifl_core.settings import make_settings
from ifl_plugins.dec import DECClusterer, DECParams, _optimizer, build_mlp
from ifl_plugins.dec_batched import MaskedOptimizer, StackedMLP

HIDDEN = [500, 500, 2000]
LATENT = 10


# ----------------------------------------------------------------------- data


def load_mnist(data_dir: str | None) -> tuple[np.ndarray, np.ndarray] | None:
    """All 70,000 MNIST rows (train then test), X float32 in [0, 1], and y.

    ``data_dir`` is an ``ifl`` data directory (the folder that holds ``mnist/``);
    ``None`` when it is not given or holds no verified MNIST.
    """
    if not data_dir:
        return None
    from ifl_core.datasets import load_dataset
    from ifl_core.errors import DataError

    try:
        data = load_dataset("mnist", data_dir)
    except DataError as exc:
        print(f"MNIST not usable: {exc}")
        return None
    return np.asarray(data.X, dtype=np.float32), data.y


def subsample(X, y, n, seed=0):
    rows = np.sort(np.random.default_rng(seed).choice(len(X), n, replace=False))
    return X[rows], y[rows]


# --------------------------------------------------------------------- helpers


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def ae_flops_per_step(d: int, batch: int) -> float:
    """FLOPs of one training step: forward, grad of inputs (not of x), grad of W."""
    dims = [d, *HIDDEN, LATENT]
    dims = dims + dims[-2::-1]
    macs = sum(a * b for a, b in zip(dims[:-1], dims[1:]))
    return 2.0 * batch * (3 * macs - d * HIDDEN[0])


def ifl_run(X, y, n_folds, params, seed=0):
    settings = make_settings({
        "clusterer": "dec", "n_clusters": 10, "n_folds": n_folds, "seed": seed,
        "device": "cpu", "clusterer_params": params,
    })
    start = time.perf_counter()
    result, _ = run_inner_folding(X, Components(settings), report_labels=y)
    return time.perf_counter() - start, float(np.mean(result.fold_accuracy))


def show(title: str) -> None:
    print(f"\n== {title}", flush=True)


# -------------------------------------------------------------------- sections


def bench_peak(args, out):
    show("peak: fp32 matmul 2048 x 2048")
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    torch.mm(a, b)
    seconds = best_of(lambda: torch.mm(a, b), 5 if args.quick else 10)
    peak = 2 * 2048**3 / seconds / 1e9
    print(f"peak {peak:.1f} GFLOP/s (best of runs, {torch.get_num_threads()} threads)")
    out["peak_gflops"] = peak
    return peak


def bench_ae(args, out, peak):
    show("ae: autoencoder training throughput, batch 256, Adam")
    steps = 5 if args.quick else 20
    rows = []
    for d in (64, 784):
        x = torch.rand(256, d)
        dims = [d, *HIDDEN, LATENT]
        enc, dec = build_mlp(dims), build_mlp(dims[::-1])
        opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=1e-3)
        fenc, fdec = build_mlp(dims), build_mlp(dims[::-1])
        fopt = _optimizer("adam", [*fenc.parameters(), *fdec.parameters()], 1e-3, 0)

        def plain():
            loss = torch.nn.functional.mse_loss(dec(enc(x)), x)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        def fused():
            loss = torch.nn.functional.mse_loss(fdec(fenc(x)), x)
            fopt.zero_grad(set_to_none=True)
            loss.backward()
            fopt.step()

        r = args.folds
        senc = StackedMLP.from_modules([build_mlp(dims) for _ in range(r)])
        sdec = StackedMLP.from_modules([build_mlp(dims[::-1]) for _ in range(r)])
        sopt = MaskedOptimizer(
            [*senc.parameters(), *sdec.parameters()], "adam", 1e-3, 0
        )
        xs = torch.rand(r, 256, d)
        on = torch.ones(r, dtype=torch.bool)

        def stacked():
            loss = (sdec(senc(xs)) - xs).pow(2).mean(dim=(1, 2)).sum()
            sopt.zero_grad()
            loss.backward()
            sopt.step(on)

        def fwd_bwd_only():
            loss = torch.nn.functional.mse_loss(dec(enc(x)), x)
            opt.zero_grad(set_to_none=True)
            loss.backward()

        for fn in (plain, fused, stacked, fwd_bwd_only):
            fn()
        t_plain, t_fused, t_stacked, t_nostep = [], [], [], []
        for _ in range(3):
            t_plain.append(best_of(plain, steps))
            t_fused.append(best_of(fused, steps))
            t_stacked.append(best_of(stacked, max(2, steps // 4)) / r)
            t_nostep.append(best_of(fwd_bwd_only, steps))
        flops = ae_flops_per_step(d, 256)
        g_plain, g_fused, g_stacked, g_nostep = (
            flops / min(t) / 1e9 for t in (t_plain, t_fused, t_stacked, t_nostep)
        )
        print(
            f"d={d:4d}: one model, default Adam {g_plain:6.1f} GFLOP/s "
            f"({g_plain / peak:5.1%} of peak) | one model as DEC trains it "
            f"(fused Adam) {g_fused:6.1f} ({g_fused / peak:5.1%})"
            f" | forward+backward without optimiser {g_nostep:6.1f} "
            f"({g_nostep / peak:5.1%}) | {r} models batched {g_stacked:6.1f} GFLOP/s "
            f"({g_stacked / peak:5.1%}); step time batched/fused one = "
            f"{min(t_stacked) / min(t_fused):.2f}"
        )
        rows.append({"d": d, "one_model_gflops": g_plain, "fused_gflops": g_fused,
                     "no_step_gflops": g_nostep, "batched_gflops": g_stacked,
                     "peak_gflops": peak})
    out["ae"] = rows


def recipe(args, **extra):
    if args.quick:
        base = {"pretrain_epochs": 2, "max_iterations": 40, "update_interval": 20}
    else:
        base = {}
    return {**base, **extra}


def bench_profile(args, out):
    show(f"profile: {args.folds} batched fold models, d=784, batch 256, Adam")
    from torch.profiler import ProfilerActivity, profile

    r, d = args.folds, 784
    dims = [d, *HIDDEN, LATENT]
    senc = StackedMLP.from_modules([build_mlp(dims) for _ in range(r)])
    sdec = StackedMLP.from_modules([build_mlp(dims[::-1]) for _ in range(r)])
    sopt = MaskedOptimizer([*senc.parameters(), *sdec.parameters()], "adam", 1e-3, 0)
    xs = torch.rand(r, 256, d)
    on = torch.ones(r, dtype=torch.bool)

    def step():
        loss = (sdec(senc(xs)) - xs).pow(2).mean(dim=(1, 2)).sum()
        sopt.zero_grad()
        loss.backward()
        sopt.step(on)

    step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(2 if args.quick else 5):
            step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    top = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:10]
    rows = []
    for e in top:
        share = e.self_cpu_time_total / total
        rows.append({"op": e.key, "share": share, "calls": e.count})
        print(f"  {share:6.1%}  {e.count:5d} calls  {e.key}")
    out["profile"] = rows


def bench_folds(args, out, digits, mnist):
    sets = [("digits", digits)]
    if mnist is not None:
        sets.append((f"mnist-{args.mnist_n}", subsample(*mnist, args.mnist_n)))
    out["folds"] = {}
    for name, data in sets:
        out["folds"][name] = _bench_folds_on(args, name, data)


def _bench_folds_on(args, name, data):
    X, y = data
    show(f"folds: IFL on {name} ({len(X)} rows), {args.folds} fold models")
    results = {"batched": [], "sequential": []}
    for rep in range(args.repeats):
        for mode in ("sequential", "batched"):
            seconds, acc = ifl_run(
                X, y, args.folds, recipe(args, batched_folds=mode == "batched")
            )
            results[mode].append((seconds, acc))
            print(
                f"  repeat {rep}: {mode:10s} {seconds:7.1f} s  "
                f"mean fold ACC {acc:.3f}",
                flush=True,
            )
    t_b = statistics.median(s for s, _ in results["batched"])
    t_s = statistics.median(s for s, _ in results["sequential"])
    print(
        f"batched / sequential wall time = {t_b / t_s:.2f} "
        f"({t_b:.1f} s vs {t_s:.1f} s)"
    )
    return {"batched_s": t_b, "sequential_s": t_s, "ratio": t_b / t_s,
            "runs": results, "recipe": recipe(args)}


class _InertModule(types.ModuleType):
    """A module whose every public attribute is a fresh empty class."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        value = type(name, (), {})
        setattr(self, name, value)
        return value


class _InertTorchvision(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``torchvision`` and its submodules as inert modules.

    ClustPy imports torchvision at import time for its image loaders, augmentation
    and convolutional networks, none of which its DEC on a dense matrix calls. Where
    the installed torchvision cannot load (a CUDA build beside the CPU build of
    torch), this stand-in lets ``clustpy.deep`` import; anything that did call into
    torchvision would fail on an empty class, not give a wrong figure.
    """

    def find_spec(self, fullname, path, target=None):
        if fullname == "torchvision" or fullname.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _InertModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module) -> None:
        pass


def import_clustpy_dec():
    """ClustPy's DEC class and a note on how it was imported.

    ``pip install --no-deps clustpy`` (plus pandas, tqdm and matplotlib) installs it
    without the CUDA build of torch that its torchvision requirement pulls in.
    """
    if importlib.util.find_spec("clustpy") is None:
        raise ModuleNotFoundError("No module named 'clustpy'")
    try:
        from clustpy.deep import DEC
        return DEC, "clustpy with its torchvision"
    except Exception as exc:  # torchvision missing, or installed but unloadable
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    for name in [m for m in sys.modules if m.split(".")[0] in ("torchvision",
                                                               "clustpy")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _InertTorchvision())
    from clustpy.deep import DEC
    return DEC, f"clustpy with an inert torchvision stand-in ({reason})"


def bench_clustpy(args, out, digits):
    show("clustpy: our DEC vs ClustPy's DEC (same data, epochs and iterations)")
    try:
        ClustPyDEC, how = import_clustpy_dec()
    except Exception as exc:  # ClustPy is optional; any import failure skips it
        print(f"skipped: ClustPy is not usable here ({type(exc).__name__}: {exc})")
        out["clustpy"] = {"skipped": f"{type(exc).__name__}: {exc}"}
        return
    import clustpy

    print(f"  {how}, version {getattr(clustpy, '__version__', '?')}")
    X, y = digits
    params = DECParams(**recipe(args))
    # ClustPy counts self-training in epochs: as many as our iterations cover.
    per_epoch = -(-len(X) // params.batch_size)
    clustering_epochs = max(1, -(-params.max_iterations // per_epoch))
    print(f"  recipe: {params.pretrain_epochs} pretraining epochs (Adam 1e-3), "
          f"{params.max_iterations} self-training iterations for ours, "
          f"{clustering_epochs} epochs of {per_epoch} batches for ClustPy")
    rows = {"how": how}
    for rep in range(args.repeats):
        for name in ("ours", "clustpy"):
            start = time.perf_counter()
            if name == "ours":
                labels = DECClusterer(10, params, seed=rep, device="cpu").fit(X).labels_
            else:
                model = ClustPyDEC(
                    n_clusters=10, batch_size=params.batch_size,
                    pretrain_epochs=params.pretrain_epochs,
                    clustering_epochs=clustering_epochs, random_state=rep,
                    device="cpu",
                )
                labels = model.fit(X).labels_
            seconds = time.perf_counter() - start
            acc = clustering_accuracy(y, labels)
            rows.setdefault(name, []).append({"seconds": seconds, "acc": acc})
            print(f"  seed {rep}: {name:8s} {seconds:7.1f} s  ACC {acc:.3f}",
                  flush=True)
    t_ours = statistics.median(r["seconds"] for r in rows["ours"])
    t_ref = statistics.median(r["seconds"] for r in rows["clustpy"])
    print(f"ours / ClustPy wall time = {t_ours / t_ref:.2f}")
    out["clustpy"] = rows


def scaling_worker(n: int, data_dir: str, folds: int, params: dict) -> None:
    """One scaling point in its own process, so that its peak RSS is its own."""
    X, y = subsample(*load_mnist(data_dir), n) if n < 70000 else load_mnist(data_dir)
    seconds, acc = ifl_run(X, y, folds, params)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n": n, "seconds": seconds, "acc": acc,
                      "peak_mib": peak_kib / 1024}))


def bench_scaling(args, out):
    sizes = args.sizes
    params = {"pretrain_epochs": 1, "max_iterations": 20, "update_interval": 10,
              "kmeans_n_init": 2}
    show(f"scaling: short IFL runs on MNIST, {args.folds} folds, recipe {params}")
    rows = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--worker-n", str(n), "--data-dir",
               args.data_dir, "--folds", str(args.folds),
               "--worker-params", json.dumps(params)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"  n={n}: failed\n{done.stderr[-2000:]}")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"  n={n:6d}: {row['seconds']:7.1f} s, peak RSS {row['peak_mib']:7.0f} "
              f"MiB, mean fold ACC {row['acc']:.3f}", flush=True)
    out["scaling"] = {"params": params, "rows": rows}


def bench_shared(args, out, digits, mnist):
    show("shared: shared vs per-fold pretraining (fold-model ACC)")
    sets = [("digits", digits)]
    if mnist is not None:
        sets.append(("mnist-%d" % args.mnist_n, subsample(*mnist, args.mnist_n)))
    rows = {}
    for name, (X, y) in sets:
        for mode in ("per_fold", "shared"):
            seconds, acc = ifl_run(X, y, args.folds, recipe(args, pretraining=mode))
            rows[f"{name}/{mode}"] = {"seconds": seconds, "acc": acc}
            print(f"  {name:12s} {mode:8s} {seconds:7.1f} s  mean fold ACC {acc:.3f}",
                  flush=True)
    out["shared"] = rows


# ------------------------------------------------------------------------ main


SECTIONS = ("peak", "ae", "profile", "folds", "clustpy", "scaling", "shared")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny epochs, few repeats")
    parser.add_argument("--only", nargs="*", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--data-dir", default=os.environ.get("IFL_DATA_DIR", ""))
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--sizes", type=int, nargs="*",
                        default=[5000, 10000, 20000, 70000])
    parser.add_argument("--mnist-n", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads (0: leave torch's choice)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--worker-n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker-params", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.worker_n:
        scaling_worker(args.worker_n, args.data_dir, args.folds,
                       json.loads(args.worker_params))
        return

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    out: dict = {"threads": torch.get_num_threads(), "quick": args.quick}
    digits = bundled_digits()
    mnist = load_mnist(args.data_dir)
    if mnist is None:
        print("MNIST not found (--data-dir or IFL_DATA_DIR): MNIST sections skipped")
    peak = bench_peak(args, out) if {"peak", "ae"} & set(args.only) else None
    if "ae" in args.only:
        bench_ae(args, out, peak)
    if "profile" in args.only:
        bench_profile(args, out)
    if "folds" in args.only:
        bench_folds(args, out, digits, mnist)
    if "clustpy" in args.only:
        bench_clustpy(args, out, digits)
    if "scaling" in args.only and mnist is not None:
        del mnist
        bench_scaling(args, out)
        mnist = load_mnist(args.data_dir)
    if "shared" in args.only:
        bench_shared(args, out, digits, mnist)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
