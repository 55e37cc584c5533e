"""Rebuild the small datasets shipped with the course from the wheels they come from.

    pip download --no-deps scikit-learn==1.9.1 scikit-image==0.26.0 -d wheels/
    python datasets/build.py --sklearn-wheel wheels/scikit_learn-1.9.1-*.whl \\
                             --skimage-wheel wheels/scikit_image-0.26.0-*.whl

writes, next to this script (or into --out):

    digits.npz   images uint8 (1797, 8, 8) in 0..16, labels int64 (1797,)
    photos.npz   cat uint8 (H, W, 3), coffee uint8 (H, W, 3), longer side at most 256 px
    SHA256SUMS   `sha256sum` format, for the two files above

Nothing is installed: the wheels are read as zip files. The output is byte-for-byte
reproducible for the same wheels, NumPy and Pillow versions.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

DIGITS_MEMBER = "sklearn/datasets/data/digits.csv.gz"
PHOTO_MEMBERS = {"cat": "skimage/data/chelsea.png", "coffee": "skimage/data/coffee.png"}
# SHA-256 of the original PNGs, as listed in scikit-image's skimage/data/_registry.py.
PHOTO_SHA256 = {
    "skimage/data/chelsea.png": "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
    "skimage/data/coffee.png": "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
}
MAX_SIDE = 256
DIGITS_COUNT = 1797
# A fixed timestamp inside the npz (a zip archive) so that rebuilding gives the same bytes.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def read_member(wheel: Path, member: str) -> bytes:
    """The bytes of one file inside a wheel (a zip archive)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(member)
    except FileNotFoundError:
        raise SystemExit(f"error: wheel not found: {wheel}") from None
    except zipfile.BadZipFile:
        raise SystemExit(f"error: {wheel} is not a wheel (not a zip archive)") from None
    except KeyError:
        raise SystemExit(f"error: {wheel} has no member {member}; is it the right package and version?") from None


def parse_digits(csv_gz: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Parse scikit-learn's digits.csv.gz.

    Input: gzip'd CSV, one row per image: 64 pixel counts (0..16, row-major 8x8) then the label.
    Returns images uint8 (N, 8, 8) and labels int64 (N,).
    """
    table = np.loadtxt(io.StringIO(gzip.decompress(csv_gz).decode("ascii")), delimiter=",", dtype=np.int64)
    if table.shape != (DIGITS_COUNT, 65):
        raise SystemExit(f"error: expected a ({DIGITS_COUNT}, 65) table in {DIGITS_MEMBER}, got {table.shape}")
    pixels, labels = table[:, :64], table[:, 64]
    if pixels.min() < 0 or pixels.max() > 16 or labels.min() < 0 or labels.max() > 9:
        raise SystemExit("error: digits pixels must lie in 0..16 and labels in 0..9")
    return pixels.reshape(-1, 8, 8).astype(np.uint8), labels.astype(np.int64)


def decode_photo(png: bytes, member: str) -> np.ndarray:
    """Decode a PNG and shrink it so that its longer side is at most MAX_SIDE pixels.

    Returns uint8 (H, W, 3), aspect ratio kept (sides rounded to whole pixels).
    """
    digest = hashlib.sha256(png).hexdigest()
    if digest != PHOTO_SHA256[member]:
        raise SystemExit(f"error: {member} has SHA-256 {digest}, expected {PHOTO_SHA256[member]}")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    scale = MAX_SIDE / max(width, height)
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return np.asarray(image, dtype=np.uint8)


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays like np.savez_compressed, but with fixed zip timestamps (reproducible bytes)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            archive.writestr(info, buffer.getvalue())


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(sklearn_wheel: Path, skimage_wheel: Path, out: Path) -> dict[str, str]:
    """Write digits.npz, photos.npz and SHA256SUMS into `out`; return {file name: SHA-256}."""
    out.mkdir(parents=True, exist_ok=True)
    images, labels = parse_digits(read_member(sklearn_wheel, DIGITS_MEMBER))
    save_npz(out / "digits.npz", {"images": images, "labels": labels})

    photos = {name: decode_photo(read_member(skimage_wheel, member), member) for name, member in PHOTO_MEMBERS.items()}
    save_npz(out / "photos.npz", photos)

    sums = {name: sha256_of(out / name) for name in ("digits.npz", "photos.npz")}
    # Two spaces between hash and name: the text-mode format that `sha256sum -c` reads.
    (out / "SHA256SUMS").write_text("".join(f"{digest}  {name}\n" for name, digest in sums.items()))
    return sums


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sklearn-wheel", type=Path, required=True, help="scikit_learn-1.9.1-*.whl")
    parser.add_argument("--skimage-wheel", type=Path, required=True, help="scikit_image-0.26.0-*.whl")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="output folder (default: datasets/)")
    args = parser.parse_args(argv)
    sums = build(args.sklearn_wheel, args.skimage_wheel, args.out)
    for name, digest in sums.items():
        path = args.out / name
        print(f"{path}  {path.stat().st_size} bytes  sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
