"""Scratch (dlbook) vs Keras training throughput, side by side, in one run.

Run from the repository root::

    .venv/bin/python bench/bench.py        # or: make bench

What it measures (bench/README.md explains each figure and target):

(a) the articles' linear model, 1 -> 1, y = 2x + 1 + noise, SGD, batch 10;
(b) the XOR net (``zoo.xor_net``), the 4 samples as one full batch, Adam;
(c) a digits MLP 64-128-10 at batch 32, SGD;
(d) a GEMM-bound MLP 784-1024-1024-10, float32, batch 256, SGD;
the NumPy float32 GEMM rate at (d)'s matrix sizes, scratch's fraction of
it on (d), and the time of ``import dlbook`` in a fresh interpreter.

Both sides train the same model: the Keras side is
``dlbook.twins.to_keras(model)`` (same weights, same loss and optimizer),
trained with ``model.fit(verbose=0)``; the scratch side is
``Sequential.fit``.  Both see the same batches (``shuffle=False``), in
float32, after a warm-up, and each time is the best of several repeats,
scratch and Keras interleaved so that both meet the same machine load.

A Keras ``fit`` call has a fixed cost besides its steps (tens of
milliseconds to build its data pipeline and callbacks).  The table does
not charge it to Keras: Keras's time per step is ``(T(N steps) -
T(1 step)) / (N - 1)``, and the fixed cost is printed on its own line.
Scratch's time per step is plainly ``T(N steps) / N``, its own (small)
fixed cost included.  Both choices make the ratio smaller, not larger.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))          # benchmark this checkout's dlbook

import numpy as np  # noqa: E402

import dlbook  # noqa: E402
from dlbook import losses, zoo  # noqa: E402
from dlbook.optim import SGD, Adam  # noqa: E402

TARGET_SPEEDUP = 10.0        # (a)-(c): scratch >= 10x Keras
TARGET_GEMM_BOUND = 0.8      # (d): scratch >= 0.8x Keras
TARGET_GEMM_FRACTION = 0.60  # (d): scratch >= 60% of the NumPy GEMM rate
TARGET_IMPORT_S = 0.15       # import dlbook <= 0.15 s
ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS", "TF_ENABLE_ONEDNN_OPTS")


# -- the machine -----------------------------------------------------------
def cpu_model():
    """The CPU's name from /proc/cpuinfo (or what platform says)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def numpy_blas():
    """One line on NumPy's BLAS: library, version, kernel, threads."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                return (f"{lib.get('internal_api')} {lib.get('version')}, "
                        f"kernel {lib.get('architecture')}, "
                        f"{lib.get('num_threads')} threads "
                        f"({lib.get('threading_layer')}) (threadpoolctl)")
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')} (numpy config)"
    except Exception:                   # older NumPy: no mode="dicts"
        return "unknown (no threadpoolctl, no numpy config dict)"


def _cpu_ticks():
    """(busy, total) CPU ticks of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        # user nice system idle iowait irq softirq steal (guest is in user)
        ticks = [int(t) for t in f.readline().split()[1:9]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)   # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def others_busy(seconds=1.0):
    """Fraction of the machine's CPU time that was busy while this
    process slept for ``seconds``: the work of other processes.  None
    where /proc/stat is missing."""
    try:
        busy0, total0 = _cpu_ticks()
        time.sleep(seconds)
        busy1, total1 = _cpu_ticks()
    except (OSError, ValueError, IndexError):
        return None
    return (busy1 - busy0) / max(total1 - total0, 1)


def load_text():
    """How busy the machine is without this benchmark, as text; also
    warns when other processes keep it busy: every figure is then noisy,
    and (d) with a multi-threaded BLAS most of all."""
    busy = others_busy()
    try:
        loads = "load average {:.2f} {:.2f} {:.2f}".format(
            *os.getloadavg())
    except OSError:
        loads = "load average unavailable"
    if busy is None:
        return loads
    text = (f"other processes used {busy:.0%} of the CPUs in the last "
            f"second ({loads})")
    if busy > 0.2:
        text += ("\n  WARNING     the machine is busy: the figures are "
                 "noisy; rerun it when it is idle")
    return text


def print_machine(blas, tf, keras):
    cores = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    print("Machine")
    print(f"  CPU         {cpu_model()}")
    print(f"  cores       {cores} ({usable} usable by this process)")
    print(f"  system      {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}")
    print(f"  numpy       {np.__version__}; BLAS: {blas}")
    print(f"  tensorflow  {tf.__version__}; keras {keras.__version__}")
    env = ", ".join(f"{k}={os.environ.get(k, 'unset')}" for k in ENV_VARS)
    print(f"  env         {env}")
    print(f"  at start    {load_text()}")


# -- timing helpers ------------------------------------------------------
def timed(fn):
    """Seconds that ``fn()`` takes, by ``time.perf_counter``."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


class Workload:
    """One model trained by both sides on the same batches.

    ``X_n, y_n`` hold ``steps`` full batches; ``X_1, y_1`` the first one.
    """

    def __init__(self, key, title, model, X, y, batch_size, steps):
        self.key, self.title = key, title
        self.model, self.batch_size, self.steps = model, batch_size, steps
        n = batch_size * steps
        reps = -(-n // len(X))                     # tile up to n rows
        self.X_n = np.ascontiguousarray(
            np.concatenate([X] * reps)[:n], dtype=np.float32)
        self.y_n = np.concatenate([y] * reps)[:n]
        self.X_1, self.y_1 = self.X_n[:batch_size], self.y_n[:batch_size]
        self.times = {}

    def build_twin(self, twins):
        self.twin = twins.to_keras(self.model)
        y_hat = self.model.forward(self.X_1)
        ours = self.model.loss(self.y_1, y_hat)
        theirs = float(twins.keras_loss(self.model.loss)(
            self.y_1, self.twin(self.X_1, training=False)))
        self.twin_gap = abs(ours - theirs)   # same weights, same loss?

    def _scratch(self, X, y):
        return timed(lambda: self.model.fit(
            X, y, epochs=1, batch_size=self.batch_size, shuffle=False))

    def _keras(self, X, y):
        return timed(lambda: self.twin.fit(
            X, y, epochs=1, batch_size=self.batch_size, shuffle=False,
            verbose=0))

    def run(self, repeats, extra=None):
        """Warm up both sides, then time fit over ``steps`` batches and
        over 1 batch, ``repeats`` times, the two sides interleaved."""
        for side in (self._scratch, self._keras):
            side(self.X_n, self.y_n)               # traces, caches, ...
            side(self.X_1, self.y_1)
        for _ in range(repeats):
            if extra is not None:              # right before and after
                self._keep("extra", extra())
            self._keep("scratch_n", self._scratch(self.X_n, self.y_n))
            if extra is not None:
                self._keep("extra", extra())
            self._keep("keras_n", self._keras(self.X_n, self.y_n))
            self._keep("keras_1", self._keras(self.X_1, self.y_1))
        return self

    def _keep(self, name, seconds):
        self.times.setdefault(name, []).append(seconds)

    def best(self, name, pick=min):
        return pick(self.times[name])

    def step_seconds(self, side, pick=min):
        """Seconds per step: scratch ``T_N / N``; Keras ``(T_N - T_1) /
        (N - 1)``, its fixed fit() cost left out.  ``pick`` chooses
        among the repeats (min: the best; statistics.median)."""
        t_n = self.best(side + "_n", pick)
        if side == "scratch":
            return t_n / self.steps
        t_1 = self.best("keras_1", pick)
        return max(t_n - t_1, 1e-12) / (self.steps - 1)

    def rate(self, side, pick=min):
        """Samples per second."""
        return self.batch_size / self.step_seconds(side, pick)

    def ratio(self, pick=min):
        """Scratch's rate over Keras's."""
        return self.rate("scratch", pick) / self.rate("keras", pick)


# -- the workloads -------------------------------------------------------
def linear_workload():
    from dlbook.data import make_linear
    X, y = make_linear(1000, rng=0)                   # y = 2x + 1 + noise
    model = zoo.linear_regression(rng=0, dtype=np.float32)
    model.compile(loss="mse", optimizer=SGD(lr=0.01))
    return Workload("a", "linear 1-1, SGD", model, X, y.astype(np.float32),
                    batch_size=10, steps=300)


def xor_workload():
    from dlbook.data import make_xor
    X, y = make_xor()
    model = zoo.xor_net(rng=0, dtype=np.float32)
    model.compile(loss=losses.BinaryCrossentropy(from_logits=True),
                  optimizer=Adam(lr=0.01))
    # every batch is the whole XOR set: steps copies of the 4 samples
    return Workload("b", "XOR 2-8-1, Adam", model, X, y.astype(np.float32),
                    batch_size=4, steps=300)


def digits_workload():
    try:
        from dlbook.data import load_digits
        X, y = load_digits()
        X, source = X / 16.0, "digits"
    except ImportError as err:          # no scikit-learn: same shapes
        print(f"  (load_digits unavailable: {err!r}; using random data "
              "of the digits' shape)")
        rng = np.random.default_rng(0)
        X, y = rng.random((1797, 64)), rng.integers(0, 10, 1797)
        source = "random"
    n = len(X) // 32 * 32                             # full batches only
    model = zoo.mlp((64, 128, 10), rng=0, dtype=np.float32)
    model.compile(
        loss=losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=SGD(lr=0.01))
    return Workload("c", f"{source} 64-128-10, SGD", model, X[:n], y[:n],
                    batch_size=32, steps=224)


GEMM_SIZES = (784, 1024, 1024, 10)
GEMM_BATCH = 256


def gemm_workload():
    rng = np.random.default_rng(0)
    n = GEMM_BATCH * 4
    X = rng.standard_normal((n, GEMM_SIZES[0])).astype(np.float32)
    y = rng.integers(0, GEMM_SIZES[-1], n)
    model = zoo.mlp(GEMM_SIZES, rng=0, dtype=np.float32)
    model.compile(
        loss=losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=SGD(lr=0.01))
    return Workload("d", "MLP 784-1024-1024-10, SGD", model, X, y,
                    batch_size=GEMM_BATCH, steps=12)


def step_flops(sizes=GEMM_SIZES, batch=GEMM_BATCH):
    """Matmul FLOPs one training step of a Dense stack needs: per layer
    ``X @ W`` (forward) and ``X.T @ dout`` (dW), and ``dout @ W.T`` (dX)
    for every layer but the first (the data need no gradient), each
    ``2 * batch * n_in * n_out``.  That is
    ``6 * batch * sum(n_in * n_out) - 2 * batch * n_0 * n_1``.  Bias
    adds, activations, the loss and the update are not counted."""
    total = 6 * batch * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return total - 2 * batch * sizes[0] * sizes[1]


class GemmRate:
    """NumPy's float32 GEMM rate on the matrix products one training step
    of (d) needs (``step_flops``): the shapes and transposed operands of
    dlbook's ``Dense``."""

    def __init__(self, sizes=GEMM_SIZES, batch=GEMM_BATCH):
        rng = np.random.default_rng(1)
        self.mats = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            self.mats.append(tuple(
                rng.standard_normal(shape).astype(np.float32)
                for shape in ((batch, n_in), (n_in, n_out),
                              (batch, n_out))))
        self.flops = step_flops(sizes, batch)
        self.step()                                    # warm-up

    def step(self):
        for i, (X, W, dout) in enumerate(self.mats):
            X @ W                                      # forward
            X.T @ dout                                 # dW
            if i:
                dout @ W.T                             # dX

    def seconds(self, calls=4):
        """Seconds for one step's products, averaged over ``calls``."""
        return timed(lambda: [self.step() for _ in range(calls)]) / calls


# -- import time ---------------------------------------------------------
IMPORT_CODE = ("import sys, time; t = time.perf_counter(); import {mod}; "
               "print(time.perf_counter() - t, 'tensorflow' in sys.modules)")


class ImportTime:
    """``import module`` in fresh interpreters: median, min and max wall
    time over ``runs`` (after one unmeasured run that warms the disk
    cache), and whether the import pulled in TensorFlow."""

    def __init__(self, module, runs):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        wall, self.tf_loaded = [], False
        for i in range(runs + 1):
            out = subprocess.run(
                [sys.executable, "-c", IMPORT_CODE.format(mod=module)],
                cwd=ROOT, env=env, capture_output=True, text=True,
                check=True)
            seconds, tf_flag = out.stdout.split()
            self.tf_loaded |= tf_flag == "True"
            if i:
                wall.append(float(seconds))
        self.median, self.low, self.high = (statistics.median(wall),
                                            min(wall), max(wall))


# -- report --------------------------------------------------------------
def verdict(ok):
    return "PASS" if ok else "MISS"


def print_table(workloads, repeats):
    """The throughput table; returns the PASS/MISS of each row."""
    head = (f"{'workload':<31}{'batch':>6}{'steps':>6}{'scratch/s':>11}"
            f"{'Keras/s':>10}{'Keras ms':>9}{'ratio':>7}{'(median)':>9}"
            f"  {'target':<8}{'':4}")
    print(f"Training throughput, samples/s (best of {repeats}; 'Keras ms' "
          "= Keras's time per step;")
    print("'(median)' = the ratio from the median timings instead of the "
          "best)")
    print(head.rstrip())
    print("-" * len(head))
    results = []
    for w in workloads:
        ratio = w.ratio()
        target = TARGET_GEMM_BOUND if w.key == "d" else TARGET_SPEEDUP
        results.append(ratio >= target)
        print(f"({w.key}) {w.title:<27}{w.batch_size:>6}{w.steps:>6}"
              f"{w.rate('scratch'):>11,.0f}{w.rate('keras'):>10,.0f}"
              f"{w.step_seconds('keras') * 1e3:>9.3f}{ratio:>6.1f}x"
              f"{w.ratio(statistics.median):>8.1f}x  "
              f"{'>= ' + format(target, 'g') + 'x':<8}"
              f"{verdict(results[-1])}")
    print("-" * len(head))
    return results


def print_gemm(d, gemm):
    """(d) against the NumPy GEMM rate; returns PASS/MISS."""
    gemm_s = d.best("extra")
    gemm_rate = gemm.flops / gemm_s
    rates = {side: gemm.flops / d.step_seconds(side)
             for side in ("scratch", "keras")}
    fraction = rates["scratch"] / gemm_rate
    sizes, batch = GEMM_SIZES, GEMM_BATCH
    terms = " + ".join(f"{a}*{b}" for a, b in zip(sizes[:-1], sizes[1:]))
    print(f"\nGEMM-bound MLP (d): {gemm.flops:,} FLOPs a step = 6 x "
          f"{batch} x ({terms}) - 2 x {batch} x {sizes[0]}*{sizes[1]}")
    print("  = forward X@W and dW = X.T@dout of the 3 Dense layers, dX = "
          "dout@W.T of the last 2")
    print("  (8 products; the data need no dX); bias, activations, loss "
          "and update not counted")
    print(f"  {'NumPy float32 GEMM rate, these 8 products':<43}"
          f"{gemm_rate / 1e9:7.1f} GFLOP/s  ({gemm_s * 1e3:.1f} ms a step)")
    for side, name in (("scratch", "scratch"), ("keras", "Keras")):
        print(f"  {name + ' achieves':<43}"
              f"{rates[side] / 1e9:7.1f} GFLOP/s  "
              f"({d.step_seconds(side) * 1e3:.1f} ms a step)")
    ok = fraction >= TARGET_GEMM_FRACTION
    print(f"  {'scratch / NumPy GEMM rate':<43}{fraction:7.1%}   target >= "
          f"{TARGET_GEMM_FRACTION:.0%}  {verdict(ok)}")
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7,
                        help="timings per figure, the best is kept "
                             "(default 7)")
    parser.add_argument("--import-runs", type=int, default=7,
                        help="fresh interpreters for the import time "
                             "(default 7)")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.import_runs < 1:
        parser.error("expected --repeats and --import-runs >= 1, "
                     f"received {args.repeats} and {args.import_runs}")
    t_start = time.perf_counter()
    print("dlbook benchmark: scratch (NumPy) vs Keras, training "
          "throughput\n", flush=True)
    blas = numpy_blas()              # before TensorFlow loads its own libs
    imp = ImportTime("dlbook", args.import_runs)
    imp_np = ImportTime("numpy", args.import_runs)

    from dlbook import twins        # imports TensorFlow, quietly
    print_machine(blas, twins.tf, twins.keras)
    workloads = [linear_workload(), xor_workload(), digits_workload(),
                 gemm_workload()]
    by_key = {w.key: w for w in workloads}
    for w in workloads:
        w.build_twin(twins)
    print(f"  keras       fit(verbose=0, shuffle=False), jit_compile="
          f"{workloads[0].twin.jit_compile} (its CPU default), float32")
    print(f"  dlbook      {dlbook.__version__}, Sequential.fit("
          "shuffle=False), float32\n", flush=True)

    gemm = GemmRate()
    for w in workloads:
        w.run(args.repeats, extra=gemm.seconds if w.key == "d" else None)

    results = print_table(workloads, args.repeats)
    results.append(print_gemm(by_key["d"], gemm))
    ok = imp.median <= TARGET_IMPORT_S and not imp.tf_loaded
    results.append(ok)
    print(f"\nimport dlbook in a fresh interpreter, median of "
          f"{args.import_runs}: {imp.median:.3f} s   target <= "
          f"{TARGET_IMPORT_S} s  {verdict(ok)}")
    print(f"  (min {imp.low:.3f} s, max {imp.high:.3f} s; numpy alone: "
          f"median {imp_np.median:.3f} s; TensorFlow imported: "
          f"{imp.tf_loaded})")

    print("\nNotes")
    for w in workloads:
        fixed = w.best("keras_1") - w.step_seconds("keras")
        print(f"  ({w.key}) twin loss gap at the same weights "
              f"{w.twin_gap:.1e}; a Keras fit() call costs {fixed * 1e3:.0f}"
              " ms besides its steps")
    xor = by_key["b"]
    per_epoch = min(timed(lambda: xor.twin.fit(
        xor.X_1, xor.y_1, epochs=10, batch_size=4, verbose=0))
        for _ in range(3)) / 10
    print(f"  (b) the articles' way, fit(epochs=...) on the 4 samples: "
          f"Keras takes {per_epoch * 1e3:.1f} ms an epoch (= a step)")
    print(f"  at end      {load_text()}")
    print(f"\n{sum(results)} of {len(results)} targets met; the benchmark "
          f"took {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
