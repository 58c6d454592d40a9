"""The logit lens's per-block reduction as one C loop, compiled once per machine.

After each vocabulary block's matrix product, torch (eager or compiled) reads the block
several times: its maximum, exp, three weighted sums, the rank count and a segmented top-k
are separate passes, which cost about 40% on top of the products. This loop reads each row
of the block once (exp taken against the row's running maximum from earlier blocks) and
keeps every running statistic in place: maximum, sum of exp, E[z - max], E[final z], the
count above the target's logit, and the top-k by insertion (a row's block is scanned for it only
when its maximum beats the k-th best so far, which after the first blocks is rare).

It is built with the system's C compiler (the one torch.compile needs too), cached under
the app's cache folder and loaded with ctypes, which releases the GIL while it runs. Where
there is no compiler, or the build fails, ``load()`` returns None and the lens uses torch.
Measured (tests/bench/bench_interp.py, 256 tokens, Gemma 3 270M): the engine at 1.06x its
limit in CPU time at one torch thread (AVX-512), against 1.53x with torch's reduction; at two
threads on an AVX2 machine 1.05-1.12x in wall time (1.10x in CPU time), once its vectors were made the machine's
own width (16-float vectors split into AVX2 halves had made this loop 5x slower).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

SOURCE = r"""
#include <stdint.h>
#include <string.h>
#include <math.h>

/* One vector is one register: 16 floats with AVX-512, 8 with AVX, 4 elsewhere (NEON, SSE).
   Wider than the machine's registers, gcc splits each operation badly (5x slower on AVX2). */
#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
typedef float vf __attribute__((vector_size(LANES * 4)));
typedef int32_t vi __attribute__((vector_size(LANES * 4)));

static inline vf load(const float *p) { vf v; memcpy(&v, p, sizeof v); return v; }
static inline vf splat(float x) { vf v; for (int l = 0; l < LANES; l++) v[l] = x; return v; }
static inline vf vmax(vf a, vf b) { vi gt = a > b; return (vf)(((vi)a & gt) | ((vi)b & ~gt)); }
static inline float hmax(vf v) { float m = v[0]; for (int l = 1; l < LANES; l++) m = v[l] > m ? v[l] : m; return m; }
static inline float hsum(vf v) { float s = 0; for (int l = 0; l < LANES; l++) s += v[l]; return s; }

/* exp(x) for -87 <= x < 88 (Cephes' expf polynomial, about 1 ulp); 0 below -87. */
static inline vf vexp(vf x) {
    const vf magic = splat(12582912.0f);
    vf t = x * splat(1.44269504088896341f) + magic;
    vf n = t - magic;
    vf r = x - n * splat(0.693147180559945f); /* one fused step: exact enough where exp(x) matters */
    vf y = splat(1.9875691500e-4f);
    y = y * r + splat(1.3981999507e-3f);
    y = y * r + splat(8.3334519073e-3f);
    y = y * r + splat(4.1665795894e-2f);
    y = y * r + splat(1.6666665459e-1f);
    y = y * r + splat(5.0000001201e-1f);
    y = y * r * r + r + splat(1.0f);
    vi bits = (vi)y + (((vi)t - (vi)magic) << 23);
    return (vf)(bits & (vi)(x >= splat(-87.0f)));
}

static void insert(float *tv, int64_t *ti, int64_t k, float v, int64_t id) {
    int64_t j = k - 1;
    while (j > 0 && tv[j - 1] < v) { tv[j] = tv[j - 1]; ti[j] = ti[j - 1]; j--; }
    tv[j] = v; ti[j] = id;
}

static float row_max(const float *z, int64_t width) {
    int64_t full = width - width % LANES, j;
    vf mx = splat(-INFINITY);
    for (j = 0; j < full; j += LANES) mx = vmax(mx, load(z + j));
    float m = hmax(mx);
    for (; j < width; j++) m = z[j] > m ? z[j] : m;
    return m;
}

/* One pass: sums of e = exp(z - ref), e * (z - ref), e * zf, the count above thr, and the maximum. */
static float row_sums(const float *z, const float *zf, int64_t width, float ref, float thr,
                      float *b0, float *b1, float *b2, int64_t *cnt) {
    int64_t full = width - width % LANES, j;
    vf a0 = {0}, a1 = {0}, a2 = {0}, mx = splat(-INFINITY), vref = splat(ref), vthr = splat(thr);
    vi above = {0};
    for (j = 0; j < full; j += LANES) {
        vf v = load(z + j), d = v - vref;
        vf e = vexp(d);
        mx = vmax(mx, v);
        above -= (vi)(v > vthr);
        a0 += e;
        a1 += e * d;
        a2 += e * load(zf + j);
    }
    float m = hmax(mx), s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2);
    int64_t c = 0;
    for (int l = 0; l < LANES; l++) c += above[l];
    for (; j < width; j++) {
        float d = z[j] - ref, e = expf(d);
        m = z[j] > m ? z[j] : m;
        c += z[j] > thr;
        s0 += e; s1 += e * d; s2 += e * zf[j];
    }
    *b0 = s0; *b1 = s1; *b2 = s2; *cnt = c;
    return m;
}

static void row(const float *z, const float *zf, int64_t width, int64_t offset, float thr,
                float *m, float *s0, float *s1, float *s2, int64_t *rank, float *tv, int64_t *ti, int64_t k) {
    float b0, b1, b2, ref = *m;
    int64_t cnt;
    if (ref == -INFINITY) ref = row_max(z, width); /* the row's first block */
    float bmax = row_sums(z, zf, width, ref, thr, &b0, &b1, &b2, &cnt);
    if (bmax > ref + 60.0f) { /* exp(z - ref) may have overflowed: again against this block's max */
        ref = bmax;
        row_sums(z, zf, width, ref, thr, &b0, &b1, &b2, &cnt);
    }
    if (*m != -INFINITY) { /* earlier blocks, moved from their maximum to ref */
        float scale = expf(*m - ref);
        b0 += *s0 * scale; b1 += (*s1 + (*m - ref) * *s0) * scale; b2 += *s2 * scale;
    }
    if (bmax > ref) { /* keep the sums relative to the running maximum */
        float down = expf(ref - bmax);
        b1 = (b1 + (ref - bmax) * b0) * down; b0 *= down; b2 *= down;
        ref = bmax;
    }
    *m = ref; *s0 = b0; *s1 = b1; *s2 = b2; *rank += cnt;
    float tau = tv[k - 1];
    if (bmax > tau) /* rare once the top-k is full: most blocks hold none of a row's best */
        for (int64_t j = 0; j < width; j++)
            if (z[j] > tau) { insert(tv, ti, k, z[j], offset + j); tau = tv[k - 1]; }
}

void lens_block(const float *z, int64_t rows, int64_t width, int64_t layers, int64_t offset, const float *thr,
                float *m, float *s0, float *s1, float *s2, int64_t *rank, float *tv, int64_t *ti, int64_t k,
                int threads) {
    #pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const float *zf = z + ((r / layers) * layers + layers - 1) * width;
        row(z + r * width, zf, width, offset, thr[r], m + r, s0 + r, s1 + r, s2 + r, rank + r,
            tv + r * k, ti + r * k, k);
    }
}
"""

# Tried in order: the first that builds is kept (no OpenMP on some compilers, no -march=native on others).
FLAG_SETS = (
    ("-O3", "-march=native", "-fopenmp"),
    ("-O3", "-march=native"),
    ("-O3",),
)

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}


def load() -> Any:
    """The compiled ``lens_block`` function, or None where it cannot be built (then torch is used).

    Built on first use (under a second with gcc) and cached per machine; set
    AGORA_LAB_INTERP_NATIVE=0 to use torch's reduction instead.
    """
    if os.environ.get("AGORA_LAB_INTERP_NATIVE", "1") == "0":
        return None
    with _LOCK:
        if "fn" not in _STATE:
            _STATE["fn"] = _build()
        return _STATE["fn"]


class Folder:
    """Folds blocks of logits into one chunk's running statistics (lens._OnlineStats, centred)."""

    def __init__(self, fn: Any, stats: Any, layers: int, threads: int):
        assert stats.centred, "the loop keeps e_z about the maximum"
        self.fn, self.layers, self.threads, self.top_k = fn, layers, threads, stats.top_k
        self.state = [
            t.data_ptr()
            for t in (
                stats.threshold,
                stats.max,
                stats.sum,
                stats.e_z,
                stats.e_final,
                stats.rank,
                stats.top_value,
                stats.top_id,
            )
        ]
        self._keep = stats  # the pointers above stay valid while this folder lives

    def __call__(self, z: Any, offset: int) -> None:
        """Fold ``z`` (rows x width, contiguous float32 on the CPU; column 0 is id ``offset``)."""
        if not (z.is_contiguous() and str(z.dtype) == "torch.float32" and z.device.type == "cpu"):
            raise ValueError("lens_kernel reads a contiguous float32 CPU block")
        rows, width = z.shape
        self.fn(z.data_ptr(), rows, width, self.layers, offset, *self.state, self.top_k, self.threads)


def _build() -> Any:
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        return None
    for flags in FLAG_SETS:
        fn = build(compiler, flags, _library_path(compiler, flags))
        if fn is not None:
            return fn
    return None


def build(compiler: str, flags: tuple[str, ...], path: Path) -> Any:
    """``lens_block`` from the library at ``path``, compiled there first if it is not; None if it fails."""
    if path.exists() or _compile(compiler, flags, path):
        try:
            return _bind(ctypes.CDLL(str(path)))
        except OSError:
            return None
    return None


def _library_path(compiler: str, flags: tuple[str, ...]) -> Path:
    from agents.paths import cache_dir

    # -march=native code runs only on this kind of CPU: a cache folder shared between
    # machines (a networked home) keeps one library per CPU.
    key = "\n".join([SOURCE, compiler, *flags, platform.machine(), _cpu_flags()])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "interp" / f"lens_block-{digest}.so"


def l2_bytes() -> int:
    """One core's L2 cache in bytes (Linux's sysfs); 2 MB where it cannot be read."""
    if "l2" not in _STATE:
        _STATE["l2"] = 2 << 20
        for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
            try:
                if (index / "level").read_text().strip() == "2":
                    size = (index / "size").read_text().strip().upper()
                    scale = {"K": 1 << 10, "M": 1 << 20}.get(size[-1:], 1)
                    _STATE["l2"] = int(size.rstrip("KM")) * scale
                    break
            except (OSError, ValueError):
                continue
    return _STATE["l2"]


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return line
    except OSError:
        pass
    return platform.processor()


def _compile(compiler: str, flags: tuple[str, ...], path: Path) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        source, built = Path(tmp) / "lens_block.c", Path(tmp) / "lens_block.so"
        source.write_text(SOURCE)
        try:
            done = subprocess.run(
                [compiler, *flags, "-shared", "-fPIC", "-o", str(built), str(source)],
                capture_output=True,
                timeout=120,
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        if done.returncode != 0 or not built.exists():
            return False
        os.replace(built, path)  # atomic: a concurrent build of the same key writes the same bytes
    return True


def _bind(lib: Any) -> Any:
    fn = lib.lens_block
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    fn.argtypes = [ptr, i64, i64, i64, i64, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, i64, ctypes.c_int]
    fn.restype = None
    return fn
