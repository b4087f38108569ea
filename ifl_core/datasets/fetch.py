"""Downloading a data set's files from their canonical source, on request only.

Each file is streamed to a temporary file beside its target, checked against the
SHA-256 this project knows (of the file, or of its decompressed content) and only
then renamed into place. A file without a known checksum is downloaded only when
the caller says so explicitly, and its SHA-256 is logged.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ifl_core.datasets.base import DataFile, Dataset, sha256_of, verify_file
from ifl_core.errors import DataError
from ifl_core.io import atomic_path

log = logging.getLogger(__name__)

#: ``opener(url)`` returns a readable binary stream (a context manager).
Opener = Callable[[str], IO[bytes]]


def _default_opener(url: str) -> IO[bytes]:
    return urllib.request.urlopen(url, timeout=60)  # noqa: S310 (https or file URLs)


def fetch_dataset(
    dataset: Dataset,
    data_dir: Path,
    *,
    opener: Opener | None = None,
    allow_unverified: bool = False,
    base_url: str | None = None,
) -> list[tuple[str, str]]:
    """Download every missing or mismatching file of ``dataset`` into ``data_dir``.

    Parameters
    ----------
    dataset : Dataset
    data_dir : Path
        The data directory; the data set's folder is created inside it.
    opener : callable, optional
        ``opener(url)`` returning a binary stream; default ``urllib``.
    allow_unverified : bool
        Also download files for which no checksum is known.
    base_url : str, optional
        Replace the folder part of every file's address (a mirror).

    Returns
    -------
    list of (file name, what happened): ``"kept"`` or ``"downloaded"``.
    """
    if not dataset.files:
        raise DataError(f"data set {dataset.name!r} needs no files")
    missing_url = [f.name for f in dataset.files if not f.url and base_url is None]
    if missing_url:
        raise DataError(
            f"{dataset.name}: no download address for {', '.join(missing_url)}; get "
            f"it from {dataset.source_hint or 'its publisher'}"
        )
    unknown = [
        f.name for f in dataset.files if f.sha256 is None and f.content_sha256 is None
    ]
    if unknown and not allow_unverified:
        raise DataError(
            f"{dataset.name}: no known checksum for {', '.join(unknown)}; pass "
            "--allow-unverified to download it anyway"
        )

    folder = dataset.folder_path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for spec in dataset.files:
        target = folder / spec.name
        if target.is_file() and verify_file(target, spec):
            done.append((spec.name, "kept"))
            continue
        url = spec.url if base_url is None else base_url.rstrip("/") + "/" + spec.name
        _download(url, target, spec, opener or _default_opener)
        done.append((spec.name, "downloaded"))
    return done


def _download(url: str, target: Path, spec: DataFile, opener: Opener) -> None:
    log.info("downloading %s", url)
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as out:
            try:
                with opener(url) as stream:
                    for block in iter(lambda: stream.read(1 << 20), b""):
                        out.write(block)
            except OSError as exc:
                raise DataError(f"cannot download {url}: {exc}") from None
        ok = verify_file(tmp, spec)
        if ok is False:
            raise DataError(
                f"{spec.name} from {url} does not match its known SHA-256; not kept"
            )
        if ok is None:
            log.warning(
                "%s has no known checksum; its SHA-256 is %s",
                spec.name,
                sha256_of(tmp),
            )
