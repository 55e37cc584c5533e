"""Notebook 01 (k-nearest neighbours): realistic wrong implementations are diagnosed with the
code that names their cause, differently written right ones pass, and the reference pipeline
classifies the digits well."""

from collections import Counter

import numpy as np
import pytest

import checker
from catalogue import Right, Wrong, diagnosed, passes, report_of, right_rows, wrong_rows
from float32_tools import float32_rows
from checker.data import load_digits
from checker.reference import knn as ref
from checker.topics.knn import TASKS


def _l2_direct(X_test, X_train):
    """An independent float64 L2 computation, used by several wrong implementations."""
    diff = X_test[:, None, :] - X_train[None, :, :]
    return np.sqrt(np.sum(diff * diff, axis=2))


# =========================================================================== wrong: distances_two_loops
def two_loops_transposed(X_test, X_train):
    dists = np.zeros((X_train.shape[0], X_test.shape[0]))
    for j in range(X_train.shape[0]):
        for i in range(X_test.shape[0]):
            dists[j, i] = np.sqrt(np.sum((X_test[i] - X_train[j]) ** 2))
    return dists


def two_loops_no_sqrt(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        for j in range(X_train.shape[0]):
            dists[i, j] = np.sum((X_test[i] - X_train[j]) ** 2)
    return dists


def two_loops_int_array(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]), dtype=int)
    for i in range(X_test.shape[0]):
        for j in range(X_train.shape[0]):
            dists[i, j] = np.sqrt(np.sum((X_test[i] - X_train[j]) ** 2))
    return dists


def two_loops_square_of_sum(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        for j in range(X_train.shape[0]):
            dists[i, j] = np.sqrt(np.sum(X_test[i] - X_train[j]) ** 2)
    return dists


def two_loops_aliased_row(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        for j in range(X_train.shape[0]):
            diff = X_test[i]  # a view, not a copy
            diff -= X_train[j]
            dists[i, j] = np.sqrt(np.sum(diff ** 2))
    return dists


def two_loops_swapped_ranges(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_train.shape[0]):
        for j in range(X_test.shape[0]):
            dists[i, j] = np.sqrt(np.sum((X_test[i] - X_train[j]) ** 2))
    return dists


def two_loops_l1(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        for j in range(X_train.shape[0]):
            dists[i, j] = np.sum(np.abs(X_test[i] - X_train[j]))
    return dists


# =========================================================================== wrong: distances_one_loop
def one_loop_no_axis(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        dists[i, :] = np.sqrt(np.sum(np.square(X_train - X_test[i, :])))
    return dists


def one_loop_wrong_axis(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        dists[i, :] = np.sqrt(np.sum(np.square(X_train - X_test[i, :]), axis=0))
    return dists


def one_loop_stacked_columns(X_test, X_train):
    columns = [np.sqrt(np.sum((X_train - x) ** 2, axis=1)) for x in X_test]
    return np.stack(columns, axis=1)


def one_loop_no_sqrt(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        dists[i] = np.sum((X_train - X_test[i]) ** 2, axis=1)
    return dists


def one_loop_in_place(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        diff = X_train  # not a copy: '-=' below changes X_train itself
        diff -= X_test[i]
        dists[i] = np.sqrt(np.sum(diff ** 2, axis=1))
    return dists


# =========================================================================== wrong: distances_no_loops
def no_loops_two_loops(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        for j in range(X_train.shape[0]):
            dists[i, j] = np.sqrt(np.sum(np.square(X_test[i] - X_train[j])))
    return dists


def no_loops_one_loop(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        dists[i] = np.sqrt(np.sum(np.square(X_train - X_test[i]), axis=1))
    return dists


def no_loops_flat_norms(X_test, X_train):
    return np.sqrt(np.sum(X_test ** 2, axis=1) + np.sum(X_train ** 2, axis=1) - 2 * X_test @ X_train.T)


def no_loops_no_sqrt(X_test, X_train):
    return np.sum(X_test ** 2, axis=1)[:, None] + np.sum(X_train ** 2, axis=1) - 2 * X_test @ X_train.T


def no_loops_transposed(X_test, X_train):
    sq = np.sum(X_train ** 2, axis=1)[:, None] + np.sum(X_test ** 2, axis=1)[None, :] - 2 * X_train @ X_test.T
    return np.sqrt(sq)


def no_loops_plus_cross_term(X_test, X_train):
    return np.sqrt(np.sum(X_test ** 2, axis=1)[:, None] + np.sum(X_train ** 2, axis=1) + 2 * X_test @ X_train.T)


# =========================================================================== wrong: distances_l1
def l1_without_abs(X_test, X_train):
    return np.sum(X_test[:, None, :] - X_train[None, :, :], axis=2)


def l1_as_l2(X_test, X_train):
    return _l2_direct(X_test, X_train)


def l1_transposed(X_test, X_train):
    return np.sum(np.abs(X_train[:, None, :] - X_test[None, :, :]), axis=2)


def l1_wrong_axis(X_test, X_train):
    return np.sum(np.abs(X_test[:, None, :] - X_train[None, :, :]), axis=1)


def l1_in_place(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        diff = X_train - X_test[i]
        dists[i] = np.sum(np.abs(diff), axis=1)
    X_test.sort(axis=1)  # "tidying up" the input
    return dists


def l1_uint8_pixels(X_test, X_train):
    A, B = X_test.astype(np.uint8), X_train.astype(np.uint8)  # "images are bytes": a - b wraps around below 0
    return np.sum(np.abs(A[:, None, :] - B[None, :, :]), axis=2)


# =========================================================================== wrong: predict_labels
def predict_ties_to_larger(dists, y_train, k=1):
    y_pred = np.zeros(dists.shape[0])
    for i in range(dists.shape[0]):
        closest_y = y_train[np.argsort(dists[i])[:k]]
        labels, counts = np.unique(closest_y, return_counts=True)
        y_pred[i] = labels[counts == counts.max()].max()
    return y_pred


def predict_set_vote(dists, y_train, k=1):
    """A public solution's vote: max over a set, ties going to whichever label the set yields first."""
    y_pred = np.zeros(dists.shape[0])
    for i in range(dists.shape[0]):
        closest_y = list(y_train[np.argsort(dists[i])[:k]])
        y_pred[i] = max(set(closest_y), key=closest_y.count)
    return y_pred


def test_tie_cases_hold_label_pairs_that_a_set_yields_out_of_sorted_order():
    from checker.registry import get

    for seed in (None, 7, 2024):
        out_of_order = 0
        for case in get("knn.predict_labels").make_cases(231 if seed is None else seed):
            dists, y_train = case.args[:2]
            k = case.kwargs.get("k", 1)
            for row in dists:
                votes = np.bincount(y_train[np.argsort(row)[:k]])
                tied = [int(label) for label in np.flatnonzero(votes == votes.max())]
                out_of_order += len(tied) > 1 and list(set(tied)) != sorted(tied)
        assert out_of_order >= 2, f"seed {seed}: {out_of_order} tied rows where a set's order is not sorted order"


def predict_counter(dists, y_train, k=1):
    y_pred = np.zeros(dists.shape[0], dtype=int)
    for i in range(dists.shape[0]):
        closest_y = list(y_train[np.argsort(dists[i])[:k]])
        y_pred[i] = Counter(closest_y).most_common(1)[0][0]
    return y_pred


def predict_farthest(dists, y_train, k=1):
    y_pred = np.zeros(dists.shape[0])
    for i in range(dists.shape[0]):
        closest_y = y_train[np.argsort(dists[i])[::-1][:k]]
        y_pred[i] = np.bincount(closest_y).argmax()
    return y_pred


def predict_k_plus_one(dists, y_train, k=1):
    y_pred = np.zeros(dists.shape[0])
    for i in range(dists.shape[0]):
        closest_y = y_train[np.argsort(dists[i])[: k + 1]]
        y_pred[i] = np.bincount(closest_y).argmax()
    return y_pred


def predict_wrong_axis(dists, y_train, k=1):
    idx = np.argsort(dists, axis=0)[:k]  # sorts each column: the nearest *test* points of every training point
    votes = y_train[idx]
    return np.array([np.bincount(column).argmax() for column in votes.T])


def predict_votes_argmax_axis0(dists, y_train, k=1):
    nearest = np.argsort(dists, axis=1)[:, :k]
    votes = np.zeros((dists.shape[0], y_train.max() + 1))
    for j in range(k):
        votes[np.arange(dists.shape[0]), y_train[nearest[:, j]]] += 1
    return np.argmax(votes, axis=0)  # one result per class instead of one per test point


def predict_mean_label(dists, y_train, k=1):
    idx = np.argsort(dists, axis=1)[:, :k]
    return y_train[idx].mean(axis=1)


def predict_ignores_k(dists, y_train, k=1):
    return y_train[np.argmin(dists, axis=1)]


def predict_overwrites_dists(dists, y_train, k=1):
    y_pred = np.zeros(dists.shape[0], dtype=int)
    for i in range(dists.shape[0]):
        closest_y = []
        for _ in range(k):
            j = np.argmin(dists[i])
            closest_y.append(y_train[j])
            dists[i, j] = np.inf
        y_pred[i] = np.bincount(closest_y).argmax()
    return y_pred


def predict_one_hot(dists, y_train, k=1):
    idx = np.argsort(dists, axis=1)[:, :k]
    return np.eye(y_train.max() + 1)[y_train[idx]].sum(axis=1)


# =========================================================================== wrong: cross_validate
def _predict(dists, y_train, k):
    return np.array([np.bincount(y_train[np.argsort(row)[:k]]).argmax() for row in dists])


def _accuracy(X_tr, y_tr, X_val, y_val, k):
    return float(np.mean(_predict(_l2_direct(X_val, X_tr), y_tr, k) == y_val))


def cv_percent(X, y, k_choices, num_folds):
    X_folds, y_folds = np.array_split(X, num_folds), np.array_split(y, num_folds)
    result = {}
    for k in k_choices:
        result[k] = []
        for i in range(num_folds):
            X_tr = np.concatenate(X_folds[:i] + X_folds[i + 1:])
            y_tr = np.concatenate(y_folds[:i] + y_folds[i + 1:])
            result[k].append(100.0 * _accuracy(X_tr, y_tr, X_folds[i], y_folds[i], k))
    return result


def cv_strided_folds(X, y, k_choices, num_folds):
    result = {}
    for k in k_choices:
        result[k] = []
        for i in range(num_folds):
            val = np.arange(len(y)) % num_folds == i
            result[k].append(_accuracy(X[~val], y[~val], X[val], y[val], k))
    return result


def cv_equal_folds(X, y, k_choices, num_folds):
    size = len(y) // num_folds  # the last len(y) % num_folds points never validate
    result = {}
    for k in k_choices:
        result[k] = []
        for i in range(num_folds):
            val = np.zeros(len(y), dtype=bool)
            val[i * size:(i + 1) * size] = True
            result[k].append(_accuracy(X[~val], y[~val], X[val], y[val], k))
    return result


def cv_validation_in_training(X, y, k_choices, num_folds):
    X_folds, y_folds = np.array_split(X, num_folds), np.array_split(y, num_folds)
    return {k: [_accuracy(X, y, X_folds[i], y_folds[i], k) for i in range(num_folds)] for k in k_choices}


def cv_keys_are_positions(X, y, k_choices, num_folds):
    X_folds, y_folds = np.array_split(X, num_folds), np.array_split(y, num_folds)
    result = {}
    for n, k in enumerate(k_choices):
        result[n] = [_accuracy(np.concatenate(X_folds[:i] + X_folds[i + 1:]), np.concatenate(y_folds[:i] + y_folds[i + 1:]),
                               X_folds[i], y_folds[i], k) for i in range(num_folds)]
    return result


def cv_mean_only(X, y, k_choices, num_folds):
    X_folds, y_folds = np.array_split(X, num_folds), np.array_split(y, num_folds)
    return {k: float(np.mean([_accuracy(np.concatenate(X_folds[:i] + X_folds[i + 1:]),
                                        np.concatenate(y_folds[:i] + y_folds[i + 1:]), X_folds[i], y_folds[i], k)
                              for i in range(num_folds)])) for k in k_choices}


def cv_centers_in_place(X, y, k_choices, num_folds):
    X -= X.mean(axis=0)  # distances do not change, the caller's X does
    X_folds, y_folds = np.array_split(X, num_folds), np.array_split(y, num_folds)
    return {k: [_accuracy(np.concatenate(X_folds[:i] + X_folds[i + 1:]), np.concatenate(y_folds[:i] + y_folds[i + 1:]),
                          X_folds[i], y_folds[i], k) for i in range(num_folds)] for k in k_choices}


def cv_counts_correct(X, y, k_choices, num_folds):
    X_folds, y_folds = np.array_split(X, num_folds), np.array_split(y, num_folds)
    result = {}
    for k in k_choices:
        result[k] = []
        for i in range(num_folds):
            X_tr, y_tr = np.concatenate(X_folds[:i] + X_folds[i + 1:]), np.concatenate(y_folds[:i] + y_folds[i + 1:])
            result[k].append(int(np.sum(_predict(_l2_direct(X_folds[i], X_tr), y_tr, k) == y_folds[i])))
    return result


WRONG = [
    Wrong("knn.distances_two_loops", two_loops_transposed, "transposed"),
    Wrong("knn.distances_two_loops", two_loops_no_sqrt, "known_mistake", says="square root"),
    Wrong("knn.distances_two_loops", two_loops_int_array, "dtype"),
    Wrong("knn.distances_two_loops", two_loops_square_of_sum, "known_mistake", says="summed before they are squared"),
    Wrong("knn.distances_two_loops", two_loops_aliased_row, "mutates_input"),
    Wrong("knn.distances_two_loops", two_loops_swapped_ranges, "exception"),
    Wrong("knn.distances_two_loops", two_loops_l1, "known_mistake", says="L1"),
    Wrong("knn.distances_one_loop", one_loop_no_axis, "known_mistake", says="without axis"),
    Wrong("knn.distances_one_loop", one_loop_wrong_axis, "exception"),
    Wrong("knn.distances_one_loop", one_loop_stacked_columns, "transposed"),
    Wrong("knn.distances_one_loop", one_loop_no_sqrt, "known_mistake", says="square root"),
    Wrong("knn.distances_one_loop", one_loop_in_place, "mutates_input"),
    Wrong("knn.distances_no_loops", no_loops_two_loops, "not_vectorized"),
    Wrong("knn.distances_no_loops", no_loops_one_loop, "not_vectorized"),
    Wrong("knn.distances_no_loops", no_loops_flat_norms, "exception"),
    Wrong("knn.distances_no_loops", no_loops_no_sqrt, "known_mistake", says="square root"),
    Wrong("knn.distances_no_loops", no_loops_transposed, "transposed"),
    Wrong("knn.distances_no_loops", no_loops_plus_cross_term, "known_mistake", says="wrong sign"),
    Wrong("knn.distances_l1", l1_without_abs, "known_mistake", says="absolute value"),
    Wrong("knn.distances_l1", l1_as_l2, "known_mistake", says="L2 instead of L1"),
    Wrong("knn.distances_l1", l1_transposed, "transposed"),
    Wrong("knn.distances_l1", l1_wrong_axis, "shape"),
    Wrong("knn.distances_l1", l1_in_place, "mutates_input"),
    Wrong("knn.distances_l1", l1_uint8_pixels, "mismatch"),
    Wrong("knn.predict_labels", predict_ties_to_larger, "known_mistake", says="larger label"),
    Wrong("knn.predict_labels", predict_counter, "known_mistake", says="nearer neighbour"),
    Wrong("knn.predict_labels", predict_farthest, "known_mistake", says="farthest"),
    Wrong("knn.predict_labels", predict_k_plus_one, "known_mistake", says="k + 1"),
    Wrong("knn.predict_labels", predict_wrong_axis, "shape"),
    Wrong("knn.predict_labels", predict_votes_argmax_axis0, "shape"),
    Wrong("knn.predict_labels", predict_mean_label, "known_mistake", says="mean"),
    Wrong("knn.predict_labels", predict_ignores_k, "known_mistake", says="only the nearest"),
    Wrong("knn.predict_labels", predict_overwrites_dists, "mutates_input"),
    Wrong("knn.predict_labels", predict_one_hot, "shape"),
    Wrong("knn.predict_labels", predict_set_vote, "known_mistake", says="Python set"),
    Wrong("knn.cross_validate", cv_percent, "scale"),
    Wrong("knn.cross_validate", cv_strided_folds, "mismatch"),
    Wrong("knn.cross_validate", cv_equal_folds, "mismatch"),
    Wrong("knn.cross_validate", cv_validation_in_training, "known_mistake", says="validation fold"),
    Wrong("knn.cross_validate", cv_keys_are_positions, "wrong_type"),
    Wrong("knn.cross_validate", cv_mean_only, "wrong_type"),
    Wrong("knn.cross_validate", cv_centers_in_place, "mutates_input"),
    Wrong("knn.cross_validate", cv_counts_correct, "mismatch"),
]


WRONG += float32_rows(WRONG)  # the same code computing in float32


@wrong_rows(WRONG)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


def test_ties_to_larger_label_are_named_in_the_tie_case():
    report = report_of("knn.predict_labels", predict_ties_to_larger)
    mistake = next(f for f in report.findings if f.code == "known_mistake")
    assert any("tied" in str(label) for label in mistake.cases), mistake.cases
    assert "smallest" in mistake.hint, mistake.hint


def test_accuracy_in_percent_is_a_factor_100():
    report = report_of("knn.cross_validate", cv_percent)
    scale = next(f for f in report.findings if f.code == "scale")
    assert "100" in scale.message, scale.message
    assert "fraction" in scale.hint, scale.hint


# =========================================================================== right implementations
def cs231n_two_loops(X_test, X_train):
    num_test = X_test.shape[0]
    num_train = X_train.shape[0]
    dists = np.zeros((num_test, num_train))
    for i in range(num_test):
        for j in range(num_train):
            dists[i, j] = np.sqrt(np.sum(np.square(X_test[i, :] - X_train[j, :])))
    return dists


def two_loops_linalg_norm(X_test, X_train):
    dists = np.empty((len(X_test), len(X_train)))
    for i, a in enumerate(X_test):
        for j, b in enumerate(X_train):
            dists[i, j] = np.linalg.norm(a - b)
    return dists


def two_loops_float32(X_test, X_train):
    A, B = X_test.astype(np.float32), X_train.astype(np.float32)
    dists = np.zeros((len(A), len(B)), dtype=np.float32)
    for i in range(len(A)):
        for j in range(len(B)):
            d = A[i] - B[j]
            dists[i, j] = np.sqrt(np.dot(d, d))
    return dists


def cs231n_one_loop(X_test, X_train):
    num_test = X_test.shape[0]
    num_train = X_train.shape[0]
    dists = np.zeros((num_test, num_train))
    for i in range(num_test):
        dists[i, :] = np.sqrt(np.sum(np.square(X_train - X_test[i, :]), axis=1))
    return dists


def one_loop_over_training_points(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for j in range(X_train.shape[0]):
        dists[:, j] = np.linalg.norm(X_test - X_train[j], axis=1)
    return dists


def one_loop_float32(X_test, X_train):
    A, B = X_test.astype(np.float32), X_train.astype(np.float32)
    return np.stack([np.sqrt(((B - a) ** 2).sum(axis=1)) for a in A])


def cs231n_no_loops(X_test, X_train):
    dists = np.sqrt(np.sum(X_test ** 2, axis=1, keepdims=True) + np.sum(X_train ** 2, axis=1)
                    - 2 * np.dot(X_test, X_train.T))
    return dists


def no_loops_broadcast(X_test, X_train):
    return np.linalg.norm(X_test[:, np.newaxis, :] - X_train[np.newaxis, :, :], axis=2)


def no_loops_einsum_clipped_float32(X_test, X_train):
    A, B = X_test.astype(np.float32), X_train.astype(np.float32)
    sq = np.einsum("ij,ij->i", A, A)[:, None] + np.einsum("ij,ij->i", B, B)[None, :] - 2 * A @ B.T
    return np.sqrt(np.clip(sq, 0, None))


def l1_broadcast(X_test, X_train):
    return np.abs(X_test[:, None, :] - X_train[None, :, :]).sum(axis=-1)


def l1_loop(X_test, X_train):
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        dists[i, :] = np.sum(np.abs(X_train - X_test[i, :]), axis=1)
    return dists


def l1_int_copy(X_test, X_train):
    return np.sum(np.abs(X_test.astype(np.int64)[:, None] - X_train.astype(np.int64)[None]), axis=2)


def l1_float32(X_test, X_train):
    return np.sum(np.abs(X_test.astype(np.float32)[:, None] - X_train.astype(np.float32)[None]), axis=2)


def cs231n_predict_labels(dists, y_train, k=1):
    num_test = dists.shape[0]
    y_pred = np.zeros(num_test)
    for i in range(num_test):
        closest_y = []
        closest_y = y_train[np.argsort(dists[i])[:k]]
        y_pred[i] = np.bincount(closest_y).argmax()
    return y_pred


def predict_unique_counts(dists, y_train, k=1):
    nearest = np.argpartition(dists, k - 1, axis=1)[:, :k]
    y_pred = []
    for labels in y_train[nearest]:
        values, counts = np.unique(labels, return_counts=True)
        y_pred.append(values[np.argmax(counts)])
    return np.array(y_pred)


def predict_vectorized_votes(dists, y_train, k=1):
    nearest = np.argsort(dists, axis=1)[:, :k]
    votes = np.zeros((dists.shape[0], y_train.max() + 1), dtype=int)
    np.add.at(votes, (np.arange(dists.shape[0])[:, None], y_train[nearest]), 1)
    return votes.argmax(axis=1)


def predict_counter_sorted(dists, y_train, k=1):
    y_pred = np.zeros(dists.shape[0], dtype=np.int32)
    for i, row in enumerate(dists):
        counts = Counter(y_train[np.argsort(row)[:k]].tolist())
        best = max(counts.values())
        y_pred[i] = min(label for label, c in counts.items() if c == best)
    return y_pred


def cs231n_cross_validate(X, y, k_choices, num_folds):
    X_train_folds = np.array_split(X, num_folds)
    y_train_folds = np.array_split(y, num_folds)
    k_to_accuracies = {}
    for k in k_choices:
        k_to_accuracies[k] = []
        for i in range(num_folds):
            X_tr = np.concatenate(X_train_folds[:i] + X_train_folds[i + 1:])
            y_tr = np.concatenate(y_train_folds[:i] + y_train_folds[i + 1:])
            dists = cs231n_no_loops(X_train_folds[i], X_tr)
            y_val_pred = cs231n_predict_labels(dists, y_tr, k=k)
            num_correct = np.sum(y_val_pred == y_train_folds[i])
            accuracy = float(num_correct) / len(y_train_folds[i])
            k_to_accuracies[k].append(accuracy)
    return k_to_accuracies


def cv_masks_and_arrays(X, y, k_choices, num_folds):
    fold_of = np.concatenate([np.full(len(part), f) for f, part in enumerate(np.array_split(np.arange(len(y)), num_folds))])
    result = {k: np.zeros(num_folds) for k in k_choices}
    for f in range(num_folds):
        val = fold_of == f
        dists = no_loops_broadcast(X[val], X[~val])  # distances once per fold, reused for every k
        for k in k_choices:
            result[k][f] = np.mean(predict_vectorized_votes(dists, y[~val], k) == y[val])
    return result


def cv_float32(X, y, k_choices, num_folds):
    result = cs231n_cross_validate(X.astype(np.float32), y, k_choices, num_folds)
    return {k: [np.float32(a) for a in v] for k, v in result.items()}


RIGHT = [
    Right("knn.distances_two_loops", cs231n_two_loops),
    Right("knn.distances_two_loops", two_loops_linalg_norm),
    Right("knn.distances_two_loops", two_loops_float32),
    Right("knn.distances_one_loop", cs231n_one_loop),
    Right("knn.distances_one_loop", one_loop_over_training_points),
    Right("knn.distances_one_loop", one_loop_float32),
    Right("knn.distances_no_loops", cs231n_no_loops),
    Right("knn.distances_no_loops", no_loops_broadcast),
    Right("knn.distances_no_loops", no_loops_einsum_clipped_float32),
    Right("knn.distances_l1", l1_broadcast),
    Right("knn.distances_l1", l1_loop),
    Right("knn.distances_l1", l1_int_copy),
    Right("knn.distances_l1", l1_float32),
    Right("knn.predict_labels", cs231n_predict_labels),
    Right("knn.predict_labels", predict_unique_counts),
    Right("knn.predict_labels", predict_vectorized_votes),
    Right("knn.predict_labels", predict_counter_sorted),
    Right("knn.cross_validate", cs231n_cross_validate),
    Right("knn.cross_validate", cv_masks_and_arrays),
    Right("knn.cross_validate", cv_float32),
]


RIGHT += float32_rows(RIGHT)  # the same code computing in float32


@right_rows(RIGHT)
def test_right_implementation_passes(row, seed):
    passes(row, seed)


def test_knn_tasks_are_registered_in_order():
    ids = [t for t in checker.tasks() if t.startswith("knn.")]
    assert ids == ["knn.distances_two_loops", "knn.distances_one_loop", "knn.distances_no_loops", "knn.distances_l1",
                   "knn.predict_labels", "knn.cross_validate"], ids


# =========================================================================== the cases themselves
@pytest.mark.parametrize("seed", [231, 0, 1, 2, 12345])
def test_predict_cases_have_no_tie_at_the_kth_neighbour(seed):
    task = next(t for t in TASKS if t.id == "knn.predict_labels")
    for case in task.make_cases(seed):
        dists, k = case.args[0], case.kwargs.get("k", 1)
        for row in dists:
            ordered = np.sort(row)
            if k < len(row):
                assert ordered[k] - ordered[k - 1] > 1e-3, f"{case.label}: tie at the k-th neighbour"


@pytest.mark.parametrize("seed", [231, 0, 1, 2, 12345])
def test_distance_cases_are_integer_pixels_with_the_edge_cases(seed):
    task = next(t for t in TASKS if t.id == "knn.distances_no_loops")
    cases = task.make_cases(seed)
    shapes = [(c.args[0].shape[0], c.args[1].shape[0]) for c in cases]
    assert any(a == 1 for a, _ in shapes) and any(b == 1 for _, b in shapes), shapes
    assert any(a != b for a, b in shapes)
    assert any(np.any(ref.distances_no_loops(*c.args) == 0) for c in cases), "no case with a zero distance"
    for c in cases:
        for X in c.args:
            assert np.array_equal(X, np.round(X)) and X.min() >= 0 and X.max() <= 255


def test_references_agree_with_each_other_and_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    A, B = rng.integers(0, 256, (13, 20)).astype(float), rng.integers(0, 256, (17, 20)).astype(float)
    expected = torch.cdist(torch.from_numpy(A), torch.from_numpy(B)).numpy()
    for fn in (ref.distances_two_loops, ref.distances_one_loop, ref.distances_no_loops):
        np.testing.assert_allclose(fn(A, B), expected, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(ref.distances_l1(A, B), torch.cdist(torch.from_numpy(A), torch.from_numpy(B), p=1).numpy(),
                               rtol=1e-10)


def test_reference_cross_validation_folds_come_from_array_split():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(11, 2)), rng.integers(0, 2, size=11)
    result = ref.cross_validate(X, y, [1, 3], 4)
    assert list(result) == [1, 3] and all(len(v) == 4 for v in result.values())
    assert all(0.0 <= a <= 1.0 for v in result.values() for a in v)
    # fold sizes 3, 3, 3, 2: every accuracy is a multiple of 1/3 or of 1/2
    for v in result.values():
        assert all(abs(a * 3 - round(a * 3)) < 1e-12 for a in v[:3]) and abs(v[3] * 2 - round(v[3] * 2)) < 1e-12


# =========================================================================== the whole pipeline on digits
def test_reference_pipeline_reaches_97_percent_on_digits():
    data = load_digits()
    X = np.concatenate([data.X_train, data.X_val])
    y = np.concatenate([data.y_train, data.y_val])
    k_choices = [1, 3, 5, 8, 10, 12, 15, 20]
    accuracies = ref.cross_validate(X, y, k_choices, 5)
    best_k = max(k_choices, key=lambda k: np.mean(accuracies[k]))
    y_pred = ref.predict_labels(ref.distances_no_loops(data.X_test, X), y, best_k)
    accuracy = float(np.mean(y_pred == data.y_test))
    assert accuracy >= 0.97, f"k = {best_k} chosen by 5-fold cross-validation reaches only {accuracy:.3f} on the test set"
