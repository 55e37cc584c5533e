"""Dataset loaders: handwritten digits, two photographs, CIFAR-10.

    from checker.data import load_digits, load_photo, load_cifar10
    data = load_digits()            # Split(train=1079, val=359, test=359, ...)
    data.X_train.shape              # (1079, 64), float64 in [0, 1]
    cat = load_photo("cat")         # (170, 256, 3), float64 in [0, 1]
    cifar = load_cifar10()          # after `course download cifar10`

Everything is batch first: one row (or one image) per sample, labels an int64 vector (N,).
The small files ship in the repository's `datasets/` folder and are checked against
`datasets/SHA256SUMS` before first use. Set the environment variable COURSE_DATASETS to
read them from another folder.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path

import numpy as np

DATASETS_DIR = Path(os.environ.get("COURSE_DATASETS") or Path(__file__).resolve().parent.parent / "datasets")
CHECKSUMS_FILE = "SHA256SUMS"

DIGITS_FILE = "digits.npz"
PHOTOS_FILE = "photos.npz"
PHOTO_NAMES = ("cat", "coffee")
# ITU-R BT.601 luma weights, the usual RGB -> gray conversion.
LUMINANCE_WEIGHTS = np.array([0.299, 0.587, 0.114])

CIFAR10_DIRNAME = "cifar-10-batches-py"
CIFAR10_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST_BATCH = "test_batch"
CIFAR10_META = "batches.meta"
CIFAR10_FILES = CIFAR10_TRAIN_BATCHES + (CIFAR10_TEST_BATCH, CIFAR10_META)
CIFAR10_DOWNLOAD_SIZE = "about 163 MB"


def datasets_dir() -> Path:
    """The folder the loaders read: $COURSE_DATASETS if set now, else DATASETS_DIR."""
    override = os.environ.get("COURSE_DATASETS")
    return Path(override) if override else Path(DATASETS_DIR)


# ----------------------------------------------------------------------------- containers


@dataclass(repr=False)
class Split:
    """A dataset cut into training, validation and test parts.

    Attributes:
    - X_train: (N_train, ...) features, one sample per row (or per image)
    - y_train: (N_train,) int64 labels in 0..C-1
    - X_val, y_val: the same for the validation part (N_val may be 0)
    - X_test, y_test: the same for the test part
    - class_names: tuple of C names; class_names[y] names label y
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    def __repr__(self) -> str:
        sample_shape = tuple(self.X_train.shape[1:])
        return (
            f"Split(train={len(self.y_train)}, val={len(self.y_val)}, test={len(self.y_test)}; "
            f"each sample {sample_shape} {self.X_train.dtype}; {len(self.class_names)} classes)"
        )


# ----------------------------------------------------------------------------- checksums


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _expected_checksums(directory: Path) -> dict[str, str]:
    """Parse `sha256sum` output ("<hex>  <name>" or "<hex> *<name>") into {name: hex}."""
    sums_path = directory / CHECKSUMS_FILE
    if not sums_path.is_file():
        raise FileNotFoundError(
            f"{sums_path} not found: the datasets folder is incomplete. "
            f"Restore it from the course repository, or point COURSE_DATASETS at the course's datasets/ folder."
        )
    expected = {}
    for number, line in enumerate(sums_path.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, name = line.partition(" ")
        name = name.lstrip(" *")
        if len(digest) != 64 or not name:
            raise RuntimeError(f"{sums_path}, line {number}: expected '<sha256>  <file name>', got {line!r}")
        expected[name] = digest.lower()
    return expected


def verify_checksums(directory=None) -> dict[str, bool]:
    """Compare every file listed in SHA256SUMS with its recorded SHA-256.

    Inputs:
    - directory: folder holding SHA256SUMS and the files (default: datasets_dir())

    Returns {file name: True if present and unchanged, False if missing or different}.
    """
    directory = Path(directory) if directory is not None else datasets_dir()
    return {
        name: (directory / name).is_file() and _sha256(directory / name) == digest
        for name, digest in _expected_checksums(directory).items()
    }


# Files already verified in this process, keyed by (path, size, mtime) so that a file
# replaced while Python runs is checked again.
_verified: set[tuple[str, int, int]] = set()


def _verified_path(name: str) -> Path:
    """The path of a shipped data file, after checking it against SHA256SUMS (once per process)."""
    directory = datasets_dir()
    path = directory / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{name} not found in {directory}. It ships with the course in datasets/; "
            f"restore it (git checkout -- datasets/{name}) or set COURSE_DATASETS to the folder that holds it."
        )
    status = path.stat()
    key = (str(path.resolve()), status.st_size, status.st_mtime_ns)
    if key in _verified:
        return path
    expected = _expected_checksums(directory).get(name)
    if expected is None:
        raise RuntimeError(f"{name} is not listed in {directory / CHECKSUMS_FILE}, so it cannot be verified.")
    got = _sha256(path)
    if got != expected:
        raise RuntimeError(
            f"{path} is damaged or was modified: its SHA-256 is {got}, SHA256SUMS expects {expected}. "
            f"Restore it with `git checkout -- datasets/{name}`, or rebuild it as datasets/README.md explains."
        )
    _verified.add(key)
    return path


# ----------------------------------------------------------------------------- digits


def _check_fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Share `total` samples among classes in proportion to `counts` (largest remainder).

    Inputs: counts (C,) samples per class; total, an int <= counts.sum().
    Returns (C,) ints summing exactly to `total`, each within one of counts * total / counts.sum().
    """
    quotas = counts * total / counts.sum()
    shares = np.floor(quotas).astype(np.int64)
    remainders = quotas - shares
    # Stable sort: equal remainders go to the smaller class label first, so the result is deterministic.
    order = np.argsort(-remainders, kind="stable")
    shares[order[: total - shares.sum()]] += 1
    return shares


def stratified_split(labels: np.ndarray, val_fraction: float, test_fraction: float, seed=0):
    """Indices of a stratified train/val/test split.

    Inputs:
    - labels: (N,) integer labels
    - val_fraction, test_fraction: shares of N for the validation and test parts; each class
      contributes to every part in proportion to its size
    - seed: seed of the shuffle; the same seed gives the same split

    Returns (train_idx, val_idx, test_idx): disjoint int64 index vectors covering 0..N-1, each shuffled.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    n_val = _allocate(counts, round(len(labels) * val_fraction))
    n_test = _allocate(counts, round(len(labels) * test_fraction))
    if np.any(counts - n_val - n_test < 1):
        raise ValueError(
            f"val_fraction={val_fraction} and test_fraction={test_fraction} leave no training sample for some class"
        )
    train, val, test = [], [], []
    for label, class_val, class_test in zip(classes, n_val, n_test):
        members = rng.permutation(np.flatnonzero(labels == label))
        val.append(members[:class_val])
        test.append(members[class_val : class_val + class_test])
        train.append(members[class_val + class_test :])
    # Shuffle each part so that classes are interleaved, as mini-batches expect.
    return tuple(rng.permutation(np.concatenate(part)).astype(np.int64) for part in (train, val, test))


def load_digits(scale=True, flatten=True, seed=0, val_fraction=0.2, test_fraction=0.2) -> Split:
    """The 1797 handwritten digits (8x8 pixels, UCI optdigits), split into train/val/test.

    Inputs:
    - scale: divide pixel counts (0..16) by 16, giving features in [0, 1]
    - flatten: features as (N, 64) rows; False keeps images (N, 8, 8)
    - seed: seed of the stratified split (same seed, same arrays)
    - val_fraction, test_fraction: shares of the 1797 samples for validation and test

    Returns a Split: X_* float64 (N_part, 64) or (N_part, 8, 8); y_* int64 (N_part,) in 0..9;
    class_names ("0", ..., "9"). With the defaults: 1079 / 359 / 359 samples.
    """
    val_fraction = _check_fraction("val_fraction", val_fraction)
    test_fraction = _check_fraction("test_fraction", test_fraction)
    if val_fraction + test_fraction >= 1:
        raise ValueError(f"val_fraction + test_fraction must be below 1, got {val_fraction} + {test_fraction}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, Integral)):
        raise ValueError(f"seed must be an int (or None for a fresh random split), got {seed!r}")

    with np.load(_verified_path(DIGITS_FILE), allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"].astype(np.int64)
    X = images.astype(np.float64)
    if scale:
        X /= 16.0
    if flatten:
        X = X.reshape(len(X), -1)

    train, val, test = stratified_split(labels, val_fraction, test_fraction, seed)
    return Split(X[train], labels[train], X[val], labels[val], X[test], labels[test], tuple(str(d) for d in range(10)))


# ----------------------------------------------------------------------------- photos


def photo_names() -> list[str]:
    """Names accepted by load_photo."""
    return list(PHOTO_NAMES)


def _check_size(size) -> tuple[int, int]:
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(side, Integral) and not isinstance(side, bool) and side > 0 for side in size)
    ):
        raise ValueError(f"size must be (height, width) with two positive ints, got {size!r}")
    return int(size[0]), int(size[1])


def load_photo(name, gray=False, size=None) -> np.ndarray:
    """One of the course's photographs, for convolution demos.

    Inputs:
    - name: one of photo_names(): "cat" (170, 256) or "coffee" (171, 256)
    - gray: return luminance 0.299 R + 0.587 G + 0.114 B instead of colour
    - size: optional (H, W) to resize to (Pillow, Lanczos filter)

    Returns float64 in [0, 1], shape (H, W, 3), or (H, W) when gray. Each call returns a fresh array.
    """
    if name not in PHOTO_NAMES:
        raise ValueError(f"unknown photo {name!r}; choose one of: {', '.join(PHOTO_NAMES)}")
    with np.load(_verified_path(PHOTOS_FILE), allow_pickle=False) as archive:
        pixels = archive[name]  # uint8 (H, W, 3)
    if size is not None:
        height, width = _check_size(size)
        from PIL import Image  # only needed for resizing

        pixels = np.asarray(Image.fromarray(pixels).resize((width, height), Image.Resampling.LANCZOS))
    image = pixels.astype(np.float64) / 255.0
    if gray:
        # The weights sum to 1, so the result stays in [0, 1] up to rounding; clip that rounding away.
        image = np.clip(image @ LUMINANCE_WEIGHTS, 0.0, 1.0)
    return image


# ----------------------------------------------------------------------------- CIFAR-10


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles CIFAR-10 batches and nothing else: only NumPy arrays, lists, dicts, bytes, ints.

    A pickle can run arbitrary code when loaded; a batch needs none of that, so any other
    global a file asks for means the file is not a CIFAR-10 batch.
    """

    ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),  # batches pickled by NumPy 1.x (the official files)
        ("numpy._core.multiarray", "_reconstruct"),  # ... by NumPy 2.x
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),  # pickle protocol 5
        ("numpy._core.numeric", "_frombuffer"),
        ("_codecs", "encode"),  # bytes pickled by Python 3 with protocol 2
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"unexpected object {module}.{name}")
        # NumPy 2 renamed numpy.core to numpy._core; map the old name without a deprecation warning.
        if module.startswith("numpy.core."):
            module = "numpy._core." + module[len("numpy.core.") :]
        return super().find_class(module, name)


# the command as a learner types it in a terminal at the course folder (``course`` is not on the PATH there)
DOWNLOAD_COMMAND = ".venv/bin/course download cifar10"


def _unpickle(path: Path) -> dict:
    try:
        with open(path, "rb") as stream:
            content = _BatchUnpickler(stream, encoding="bytes").load()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} is missing: the CIFAR-10 folder is incomplete. "
            f"Delete {path.parent} and run `{DOWNLOAD_COMMAND}` again (in a terminal, in the course folder)."
        ) from None
    except Exception as error:  # any unpickling failure means the same thing: a damaged file
        raise RuntimeError(
            f"{path} is not a readable CIFAR-10 batch ({type(error).__name__}: {error}). "
            f"Delete {path.parent} and run `{DOWNLOAD_COMMAND}` again (in a terminal, in the course folder)."
        ) from None
    if not isinstance(content, dict):
        raise RuntimeError(f"{path} is not a CIFAR-10 batch: expected a dict, found {type(content).__name__}")
    return content


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch file.

    The file holds b"data": uint8 (n, 3072), each row the 1024 red, then 1024 green, then
    1024 blue values of a 32x32 image in row-major order; b"labels": n ints.

    Returns images uint8 (n, 32, 32, 3) (channels last) and labels int64 (n,).
    """
    batch = _unpickle(path)
    data, labels = batch.get(b"data"), batch.get(b"labels")
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or labels is None:
        shape = getattr(data, "shape", None)
        raise RuntimeError(f"{path} is not a CIFAR-10 batch: expected b'data' (n, 3072) and b'labels', got data {shape}")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (len(data),):
        raise RuntimeError(f"{path}: {len(data)} images but {labels.size} labels")
    images = data.astype(np.uint8, copy=False).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels


def _read_class_names(path: Path) -> tuple[str, ...]:
    meta = _unpickle(path)
    names = meta.get(b"label_names")
    if not isinstance(names, list) or not names:
        raise RuntimeError(f"{path} has no b'label_names' list")
    return tuple(name.decode("utf-8") if isinstance(name, bytes) else str(name) for name in names)


def cifar10_dir(root=None) -> Path:
    """The CIFAR-10 folder: `root` (or root/cifar-10-batches-py), default datasets_dir()/cifar-10-batches-py."""
    if root is None:
        return datasets_dir() / CIFAR10_DIRNAME
    root = Path(root)
    # Accept the parent folder too, the way the archive unpacks.
    if not (root / CIFAR10_META).exists() and (root / CIFAR10_DIRNAME).is_dir():
        return root / CIFAR10_DIRNAME
    return root


def _check_count(name: str, value, allow_none: bool) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative int{' or None' if allow_none else ''}, got {value!r}")
    return int(value)


def load_cifar10(root=None, num_training=None, num_validation=0, num_test=None, dtype=np.float64) -> Split:
    """CIFAR-10 from the standard python batches (run `course download cifar10` first).

    Inputs:
    - root: the cifar-10-batches-py folder (default: datasets/cifar-10-batches-py)
    - num_training: training images to keep, the first ones (default: all not used for validation)
    - num_validation: validation images, taken right after the training ones, as in CS231n
    - num_test: test images to keep, the first ones (default: all 10000)
    - dtype: dtype of X; pixel values stay 0..255 (subtract a mean or divide by 255 yourself)

    Returns a Split: X_* (N_part, 32, 32, 3) channels last, as the CS231n loader returns;
    use X.transpose(0, 3, 1, 2) for the (N, C, H, W) layout of the convolution layers.
    y_* int64 (N_part,) in 0..9; class_names from batches.meta ("airplane", ..., "truck").
    """
    folder = cifar10_dir(root)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"CIFAR-10 not found in {folder}. Run `{DOWNLOAD_COMMAND}` in a terminal, in the course folder, to "
            f"fetch it ({CIFAR10_DOWNLOAD_SIZE} download), or pass root= the folder holding data_batch_1..5 and test_batch."
        )
    num_training = _check_count("num_training", num_training, allow_none=True)
    num_validation = _check_count("num_validation", num_validation, allow_none=False)
    num_test = _check_count("num_test", num_test, allow_none=True)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be a NumPy dtype such as np.float32, got {dtype!r}") from None

    train_batches = [_read_batch(folder / name) for name in CIFAR10_TRAIN_BATCHES]
    train_images = np.concatenate([images for images, _ in train_batches])
    train_labels = np.concatenate([labels for _, labels in train_batches])
    test_images, test_labels = _read_batch(folder / CIFAR10_TEST_BATCH)
    class_names = _read_class_names(folder / CIFAR10_META)

    available = len(train_labels)
    if num_training is None:
        num_training = available - num_validation
    if num_training < 0 or num_training + num_validation > available:
        raise ValueError(
            f"num_training + num_validation = {num_training} + {num_validation} exceeds the {available} training images"
        )
    if num_test is None:
        num_test = len(test_labels)
    if num_test > len(test_labels):
        raise ValueError(f"num_test = {num_test} exceeds the {len(test_labels)} test images")

    train = slice(0, num_training)
    val = slice(num_training, num_training + num_validation)
    # Convert only the slices kept: all 50000 images in float64 take 1.2 GB.
    return Split(
        train_images[train].astype(dtype),
        train_labels[train],
        train_images[val].astype(dtype),
        train_labels[val],
        test_images[:num_test].astype(dtype),
        test_labels[:num_test],
        class_names,
    )
