"""The lens's C reduction against a straight float64 torch computation over the whole row,
on blocks built to reach its every branch; and the fallback to torch where it cannot build."""

import platform
import shutil

import numpy as np
import pytest
import torch

from agents.interp import lens, lens_kernel

LAYERS, POSITIONS, TOP_K = 4, 3, 5


@pytest.fixture
def kernel():
    fn = lens_kernel.load()
    if fn is None:
        pytest.skip("no C compiler here: the lens uses torch's reduction (tested in test_engine)")
    return fn


# The loop's vector width follows the machine (16 floats with AVX-512, 8 with AVX, else 4):
# each width is built here and must give the same statistics. x86 only: elsewhere only the
# native build runs.
WIDTHS = {"4 lanes (SSE2)": ("-O3", "-mno-avx"), "8 lanes (AVX2)": ("-O3", "-mavx2", "-mfma")}


def _cpu_has(flag: str) -> bool:
    return flag in lens_kernel._cpu_flags().split()


@pytest.fixture(params=list(WIDTHS))
def kernel_of_width(request, tmp_path, kernel):
    if platform.machine() not in ("x86_64", "AMD64") or not _cpu_has("avx2"):
        pytest.skip("the vector widths are x86 builds; this machine runs the native one (test above)")
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler is not None  # the native kernel built, so a compiler is here
    fn = lens_kernel.build(compiler, WIDTHS[request.param], tmp_path / "lens_block.so")
    assert fn is not None, f"{request.param} did not build"
    return fn


def straight(z: torch.Tensor, threshold: torch.Tensor, target: torch.Tensor) -> dict[str, np.ndarray]:
    """Every statistic from the full rows at once, in float64."""
    logp = torch.log_softmax(z.double(), -1)
    p = logp.exp()
    final = logp.view(POSITIONS, LAYERS, -1)[:, -1:].expand(-1, LAYERS, -1).reshape(logp.shape)
    values, ids = logp.topk(TOP_K, -1)
    lse = torch.logsumexp(z.double(), -1)
    stats = {
        "top_ids": ids,
        "top_probs": values.exp(),
        "target_prob": (target[:, 0].double() - lse).exp(),
        "target_rank": (z > threshold).sum(-1),
        "entropy": -(p * logp).sum(-1),
        "kl_to_final": (p * (logp - final)).sum(-1),
    }
    return {name: t.reshape(POSITIONS, LAYERS, *t.shape[1:]).transpose(0, 1).numpy() for name, t in stats.items()}


def hard_rows(width: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(3)
    z = torch.randn(POSITIONS * LAYERS, width, generator=generator) * 4
    # A late block far above the running maximum: exp would overflow against it; and entropy,
    # lse - E[z] near 110, keeps 1e-5 only because the loop sums e * (z - max), not e * z.
    z[0, -30:] += 100.0
    z[1, :40] += 12.0  # the whole top-k in the first block: later blocks skip the top-k scan
    z[2, ::97] += 9.0  # the top-k spread over every block: each one updates it
    z[5] -= 50.0  # a row far below the others
    return z


@pytest.mark.parametrize("widths", [(64, 64, 64, 37), (300,), (16, 1, 17, 250)])
def test_blocks_fold_into_the_straight_statistics(kernel, widths):
    check_fold(kernel, widths)


@pytest.mark.parametrize("widths", [(64, 64, 64, 37), (16, 1, 17, 250)])
def test_every_vector_width_folds_the_same(kernel_of_width, widths):
    check_fold(kernel_of_width, widths)


def check_fold(kernel, widths):
    width = sum(widths)
    z = hard_rows(width)
    target = z[torch.arange(z.shape[0]), torch.arange(z.shape[0]) * 7 % width][:, None].clone()
    stats = lens._OnlineStats(POSITIONS, LAYERS, TOP_K, target, centred=True)
    fold, lo = lens_kernel.Folder(kernel, stats, LAYERS, threads=2), 0
    for w in widths:
        fold(z[:, lo : lo + w].contiguous(), lo)
        lo += w
    got, want = stats.finish(), straight(z, stats.threshold, target)
    assert np.array_equal(got["top_ids"], want["top_ids"])
    assert np.array_equal(got["target_rank"], want["target_rank"])
    for name in ("top_probs", "target_prob", "entropy", "kl_to_final"):
        np.testing.assert_allclose(got[name], want[name], atol=1e-5, rtol=1e-5, err_msg=name)


def test_the_kernels_exp_is_float32_exact_to_a_few_ulp(kernel):
    """Entropy and KL read the sums of exp directly, so the polynomial must hold over the whole
    range it sees (down to where float32 underflows)."""
    x = torch.linspace(-86.0, 0.0, 16 * 4000)
    z = x.view(1, -1).expand(LAYERS * POSITIONS, -1).contiguous()
    target = torch.zeros(LAYERS * POSITIONS, 1)
    stats = lens._OnlineStats(POSITIONS, LAYERS, TOP_K, target, centred=True)
    lens_kernel.Folder(kernel, stats, LAYERS, threads=1)(z, 0)
    want = torch.exp(x.double()).sum()
    assert abs(stats.sum[0].double() - want) / want < 1e-6
    assert stats.max[0] == 0.0


def test_the_lens_uses_torch_where_no_compiler_builds_it(monkeypatch, tmp_path):
    monkeypatch.setattr(lens_kernel, "_STATE", {})
    monkeypatch.setenv("AGORA_LAB_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    assert lens_kernel.load() is None
    monkeypatch.setattr(lens_kernel, "_STATE", {})
    monkeypatch.delenv("CC")
    monkeypatch.setenv("AGORA_LAB_INTERP_NATIVE", "0")
    assert lens_kernel.load() is None
