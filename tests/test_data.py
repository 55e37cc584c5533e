"""Dataset loaders: checksums, digits split, photos, CIFAR-10 reading on a tiny made-up copy."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from checker import data

SHIPPED = Path(__file__).resolve().parent.parent / "datasets"


@pytest.fixture(autouse=True)
def shipped_datasets(monkeypatch):
    """Every test reads the repository's datasets/ unless it points COURSE_DATASETS elsewhere."""
    monkeypatch.delenv("COURSE_DATASETS", raising=False)
    monkeypatch.setattr(data, "DATASETS_DIR", SHIPPED)


# ----------------------------------------------------------------------------- checksums


def test_shipped_files_match_their_checksums():
    assert data.verify_checksums() == {"digits.npz": True, "photos.npz": True}


def test_datasets_dir_is_the_repository_folder_unless_overridden(monkeypatch, tmp_path):
    assert data.datasets_dir() == SHIPPED
    monkeypatch.setenv("COURSE_DATASETS", str(tmp_path))
    assert data.datasets_dir() == tmp_path


@pytest.fixture
def corrupted_copy(tmp_path):
    """A copy of datasets/ whose digits.npz has one byte changed."""
    for name in ("digits.npz", "photos.npz", "SHA256SUMS"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    damaged = bytearray((tmp_path / "digits.npz").read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    (tmp_path / "digits.npz").write_bytes(bytes(damaged))
    return tmp_path


def test_verify_checksums_reports_the_damaged_file(corrupted_copy):
    assert data.verify_checksums(corrupted_copy) == {"digits.npz": False, "photos.npz": True}


def test_verify_checksums_reports_a_missing_file(corrupted_copy):
    (corrupted_copy / "photos.npz").unlink()
    assert data.verify_checksums(corrupted_copy)["photos.npz"] is False


def test_loader_refuses_a_damaged_file_naming_it(corrupted_copy, monkeypatch):
    data.load_digits()  # the intact shipped file is verified (and cached) first
    monkeypatch.setenv("COURSE_DATASETS", str(corrupted_copy))
    with pytest.raises(RuntimeError, match=r"digits\.npz.*SHA-256"):
        data.load_digits()
    # The intact photos in the same folder still load.
    assert data.load_photo("cat").shape == (170, 256, 3)


def test_a_file_modified_after_verification_is_checked_again(corrupted_copy, monkeypatch):
    monkeypatch.setenv("COURSE_DATASETS", str(corrupted_copy))
    shutil.copy(SHIPPED / "digits.npz", corrupted_copy / "digits.npz")  # repaired
    data.load_digits()
    damaged = bytearray((corrupted_copy / "digits.npz").read_bytes())
    damaged[100] ^= 0xFF
    (corrupted_copy / "digits.npz").write_bytes(bytes(damaged) + b"\0")  # new size: a new cache key
    with pytest.raises(RuntimeError, match="digits.npz"):
        data.load_digits()


def test_missing_data_file_and_missing_checksums_have_clear_messages(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATASETS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"digits\.npz not found"):
        data.load_digits()
    shutil.copy(SHIPPED / "digits.npz", tmp_path / "digits.npz")
    with pytest.raises(FileNotFoundError, match="SHA256SUMS"):
        data.load_digits()


# ----------------------------------------------------------------------------- digits


def test_digits_shapes_dtypes_and_ranges():
    split = data.load_digits()
    assert (len(split.y_train), len(split.y_val), len(split.y_test)) == (1079, 359, 359)
    for X, y in ((split.X_train, split.y_train), (split.X_val, split.y_val), (split.X_test, split.y_test)):
        assert X.shape == (len(y), 64)
        assert X.dtype == np.float64 and y.dtype == np.int64
        assert X.min() == 0.0 and X.max() == 1.0
        assert set(np.unique(y)) <= set(range(10))
    assert split.class_names == tuple("0123456789")


def test_digits_unscaled_images():
    split = data.load_digits(scale=False, flatten=False)
    assert split.X_train.shape == (1079, 8, 8)
    assert split.X_train.dtype == np.float64
    assert split.X_train.max() == 16.0
    # Integer pixel counts, not rescaled.
    np.testing.assert_array_equal(split.X_train, np.round(split.X_train))
    scaled = data.load_digits(flatten=False)
    np.testing.assert_array_equal(scaled.X_train * 16, split.X_train)


def _all_parts(split):
    return np.concatenate([split.X_train, split.X_val, split.X_test]), np.concatenate(
        [split.y_train, split.y_val, split.y_test]
    )


def test_digits_parts_are_disjoint_and_together_the_whole_set():
    with np.load(SHIPPED / "digits.npz") as archive:
        images, labels = archive["images"], archive["labels"]
    X, y = _all_parts(data.load_digits(scale=False))
    assert len(X) == len(images) == 1797
    # Sort rows (pixels then label) on both sides: the split is a permutation of the file.
    expected = np.column_stack([images.reshape(-1, 64), labels])
    got = np.column_stack([X, y]).astype(np.int64)
    np.testing.assert_array_equal(np.unique(got, axis=0), np.unique(expected, axis=0))
    assert len(np.unique(got, axis=0)) == len(np.unique(expected, axis=0))
    np.testing.assert_array_equal(np.bincount(y), np.bincount(labels))


def test_digits_split_indices_are_a_partition():
    labels = np.repeat(np.arange(10), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    train, val, test = data.stratified_split(labels, 0.2, 0.2, seed=0)
    everything = np.concatenate([train, val, test])
    np.testing.assert_array_equal(np.sort(everything), np.arange(len(labels)))


@pytest.mark.parametrize("val_fraction, test_fraction", [(0.2, 0.2), (0.1, 0.3), (0.25, 0.05)])
def test_digits_split_is_stratified_with_the_requested_proportions(val_fraction, test_fraction):
    split = data.load_digits(val_fraction=val_fraction, test_fraction=test_fraction)
    total = np.bincount(_all_parts(split)[1])
    for y, fraction in ((split.y_val, val_fraction), (split.y_test, test_fraction)):
        assert len(y) == round(1797 * fraction)
        per_class = np.bincount(y, minlength=10)
        assert per_class.min() > 0, "every class appears in every part"
        # Each class contributes its own share, within one sample.
        assert np.all(np.abs(per_class - total * fraction) <= 1), (per_class, total * fraction)
    assert np.bincount(split.y_train, minlength=10).min() > 0


def test_digits_split_is_deterministic_given_the_seed():
    first, again, other = data.load_digits(seed=3), data.load_digits(seed=3), data.load_digits(seed=4)
    for a, b in zip(_all_parts(first), _all_parts(again)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.y_train, other.y_train)


def test_different_seeds_choose_different_samples_not_just_another_order():
    labels = np.repeat(np.arange(10), 50)
    _, val_a, test_a = data.stratified_split(labels, 0.2, 0.2, seed=0)
    _, val_b, test_b = data.stratified_split(labels, 0.2, 0.2, seed=1)
    assert set(val_a) != set(val_b) and set(test_a) != set(test_b)


def test_digits_parts_are_shuffled_not_sorted_by_class():
    y = data.load_digits().y_train
    assert np.any(np.diff(y) < 0)


def test_digits_without_validation_part():
    split = data.load_digits(val_fraction=0)
    assert split.X_val.shape == (0, 64) and split.y_val.shape == (0,)
    assert len(split.y_train) + len(split.y_test) == 1797


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"val_fraction": 0.6, "test_fraction": 0.5}, "below 1"),
        ({"val_fraction": -0.1}, "val_fraction"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"test_fraction": "0.2"}, "test_fraction"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_digits_bad_arguments_have_clear_messages(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.load_digits(**kwargs)


def test_split_repr_lists_the_part_sizes():
    text = repr(data.load_digits())
    assert "train=1079" in text and "val=359" in text and "test=359" in text
    assert "10 classes" in text


# ----------------------------------------------------------------------------- photos


def test_photo_names():
    assert data.photo_names() == ["cat", "coffee"]


@pytest.mark.parametrize("name, shape", [("cat", (170, 256, 3)), ("coffee", (171, 256, 3))])
def test_photo_colour(name, shape):
    image = data.load_photo(name)
    assert image.shape == shape and image.dtype == np.float64
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert image.max() > 0.8, "pixels were divided by 255, not by some larger number"
    with np.load(SHIPPED / "photos.npz") as archive:
        np.testing.assert_allclose(image * 255, archive[name])


def test_photo_gray_is_luminance():
    colour = data.load_photo("coffee")
    gray = data.load_photo("coffee", gray=True)
    assert gray.shape == (171, 256) and gray.dtype == np.float64
    expected = 0.299 * colour[..., 0] + 0.587 * colour[..., 1] + 0.114 * colour[..., 2]
    np.testing.assert_allclose(gray, expected, atol=1e-12)
    assert 0.0 <= gray.min() and gray.max() <= 1.0


def test_photo_resize():
    image = data.load_photo("cat", size=(32, 48))
    assert image.shape == (32, 48, 3)
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert data.load_photo("cat", gray=True, size=[20, 10]).shape == (20, 10)
    # Shrinking keeps the picture: the mean colour barely moves.
    np.testing.assert_allclose(image.mean(axis=(0, 1)), data.load_photo("cat").mean(axis=(0, 1)), atol=0.02)


def test_photo_calls_return_fresh_arrays():
    first = data.load_photo("cat")
    first[:] = 0
    assert data.load_photo("cat").max() > 0


def test_photo_unknown_name_lists_the_names():
    with pytest.raises(ValueError, match="cat, coffee"):
        data.load_photo("dog")


@pytest.mark.parametrize("size", [(32,), (0, 10), (10.5, 10), "32x32"])
def test_photo_bad_size(size):
    with pytest.raises(ValueError, match="size"):
        data.load_photo("cat", size=size)


# ----------------------------------------------------------------------------- CIFAR-10


CLASS_NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]


def made_up_images(count: int, first_index: int) -> np.ndarray:
    """uint8 (count, 32, 32, 3) whose every pixel encodes its image, row, column and channel."""
    index = np.arange(first_index, first_index + count)[:, None, None, None]
    row = np.arange(32)[None, :, None, None]
    col = np.arange(32)[None, None, :, None]
    channel = np.arange(3)[None, None, None, :]
    return ((7 * index + 3 * row + 5 * col + 85 * channel) % 256).astype(np.uint8)


def write_batch(path: Path, images: np.ndarray, labels: list[int], protocol: int = 2) -> None:
    """Write a batch the way CIFAR-10 stores it: b"data" (n, 3072) of R, G, B planes, row-major."""
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), 3072)
    batch = {b"batch_label": b"made up", b"labels": labels, b"data": rows, b"filenames": [b"x.png"] * len(images)}
    path.write_bytes(pickle.dumps(batch, protocol=protocol))


def write_tiny_cifar(folder: Path, per_batch: int = 4, test_count: int = 3, protocol: int = 2) -> np.ndarray:
    """Five training batches of `per_batch` images and a test batch; returns all images in order."""
    folder.mkdir(parents=True)
    images = made_up_images(5 * per_batch + test_count, 0)
    for b, name in enumerate(data.CIFAR10_TRAIN_BATCHES):
        chunk = slice(b * per_batch, (b + 1) * per_batch)
        write_batch(folder / name, images[chunk], [i % 10 for i in range(chunk.start, chunk.stop)], protocol)
    write_batch(folder / "test_batch", images[5 * per_batch :], [9 - i for i in range(test_count)], protocol)
    meta = {b"label_names": CLASS_NAMES, b"num_cases_per_batch": per_batch, b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=protocol))
    return images


@pytest.fixture
def tiny_cifar(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    return folder, write_tiny_cifar(folder)


def test_cifar_shapes_dtypes_labels_and_names(tiny_cifar):
    folder, images = tiny_cifar
    split = data.load_cifar10(folder)
    assert split.X_train.shape == (20, 32, 32, 3) and split.X_train.dtype == np.float64
    assert split.X_val.shape == (0, 32, 32, 3)
    assert split.X_test.shape == (3, 32, 32, 3)
    assert split.y_train.dtype == np.int64 and split.y_test.dtype == np.int64
    np.testing.assert_array_equal(split.y_train, np.arange(20) % 10)
    np.testing.assert_array_equal(split.y_test, [9, 8, 7])
    assert split.class_names == tuple(name.decode() for name in CLASS_NAMES)
    np.testing.assert_array_equal(split.X_train, images[:20])
    np.testing.assert_array_equal(split.X_test, images[20:])


def test_cifar_channel_order_and_pixel_position(tmp_path):
    """A pixel whose R, G and B planes hold distinct values lands at X[i, row, col, :] == (r, g, b)."""
    folder = tmp_path / "cifar"
    write_tiny_cifar(folder)
    row, col, (r, g, b) = 2, 29, (11, 22, 33)
    rows = np.zeros((1, 3072), np.uint8)
    plane = 32 * 32
    rows[0, 0 * plane + row * 32 + col] = r
    rows[0, 1 * plane + row * 32 + col] = g
    rows[0, 2 * plane + row * 32 + col] = b
    (folder / "test_batch").write_bytes(pickle.dumps({b"data": rows, b"labels": [4]}, protocol=2))
    X = data.load_cifar10(folder).X_test
    assert X.shape == (1, 32, 32, 3)
    np.testing.assert_array_equal(X[0, row, col], [r, g, b])
    assert np.count_nonzero(X) == 3, "only that one pixel is non-zero"


def test_cifar_counts_and_validation_slice(tiny_cifar):
    folder, images = tiny_cifar
    split = data.load_cifar10(folder, num_training=12, num_validation=5, num_test=2, dtype=np.float32)
    assert (len(split.y_train), len(split.y_val), len(split.y_test)) == (12, 5, 2)
    assert split.X_train.dtype == np.float32
    # As in CS231n: training images first, validation right after them.
    np.testing.assert_array_equal(split.X_val, images[12:17])
    np.testing.assert_array_equal(split.y_val, np.arange(12, 17) % 10)
    # num_training defaults to everything not held out for validation.
    assert len(data.load_cifar10(folder, num_validation=6).y_train) == 14


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_training": 18, "num_validation": 3}, "exceeds the 20 training images"),
        ({"num_test": 4}, "exceeds the 3 test images"),
        ({"num_validation": -1}, "num_validation"),
        ({"num_training": 2.5}, "num_training"),
        ({"dtype": "not a dtype"}, "dtype"),
    ],
)
def test_cifar_bad_arguments(tiny_cifar, kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.load_cifar10(tiny_cifar[0], **kwargs)


def test_cifar_reads_pickles_of_any_protocol_and_accepts_the_parent_folder(tmp_path):
    images = write_tiny_cifar(tmp_path / "cifar-10-batches-py", per_batch=2, test_count=1, protocol=5)
    split = data.load_cifar10(tmp_path)
    np.testing.assert_array_equal(split.X_test, images[10:])


def test_cifar_default_folder_follows_course_datasets(tmp_path, monkeypatch):
    write_tiny_cifar(tmp_path / "cifar-10-batches-py")
    monkeypatch.setenv("COURSE_DATASETS", str(tmp_path))
    assert len(data.load_cifar10().y_train) == 20


def test_cifar_missing_folder_says_how_to_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"course download cifar10.*163 MB"):
        data.load_cifar10(tmp_path / "nowhere")


def test_cifar_missing_batch_says_to_download_again(tiny_cifar):
    folder, _ = tiny_cifar
    (folder / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match=r"data_batch_3.*course download cifar10"):
        data.load_cifar10(folder)


def test_cifar_refuses_a_pickle_that_is_not_a_batch(tiny_cifar):
    folder, _ = tiny_cifar

    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    (folder / "data_batch_2").write_bytes(pickle.dumps({b"data": Payload(), b"labels": []}))
    with pytest.raises(RuntimeError, match=r"data_batch_2 is not a readable CIFAR-10 batch.*builtins\.print"):
        data.load_cifar10(folder)


def test_cifar_damaged_batch(tiny_cifar):
    folder, _ = tiny_cifar
    (folder / "test_batch").write_bytes(b"\x80\x02garbage")
    with pytest.raises(RuntimeError, match="test_batch"):
        data.load_cifar10(folder)
    rows = np.zeros((2, 100), np.uint8)  # wrong row length
    (folder / "test_batch").write_bytes(pickle.dumps({b"data": rows, b"labels": [0, 1]}))
    with pytest.raises(RuntimeError, match=r"test_batch.*\(n, 3072\)"):
        data.load_cifar10(folder)
