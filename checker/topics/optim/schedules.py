"""Learning-rate schedules, each a function of the starting rate and an integer epoch.

Scalar outputs: a wrong factor or offset is diagnosed across the cases by the engine; the
schedules' typical slips (a missing floor, the epoch counted from 1) are named mistakes.
"""

import math

from checker.spec import Case, KnownMistake, Task
from checker.topics.optim.common import t


def _cases(rows):
    def cases(rng):
        for args in rows(rng):
            words = ", ".join(f"{name} {value:g}" for name, value in args)
            yield Case((words, words), *[value for _, value in args])
    return cases


def _lr(rng):
    return float(rng.choice([0.1, 0.05, 0.2, 0.01]))


INVERSE_TIME = _cases(lambda rng: [
    (("lr0", _lr(rng)), ("epoch", 0), ("decay_rate", 1.0)),
    (("lr0", _lr(rng)), ("epoch", 3), ("decay_rate", 1.0)),
    (("lr0", 0.2), ("epoch", int(rng.integers(4, 30))), ("decay_rate", 0.5)),
    (("lr0", _lr(rng)), ("epoch", 7), ("decay_rate", 0.25), ("time_interval", 3)),
    (("lr0", 0.1), ("epoch", 5), ("decay_rate", 2.0), ("time_interval", 10)),
])
EXPONENTIAL = _cases(lambda rng: [
    (("lr0", _lr(rng)), ("epoch", 0), ("decay_rate", 0.95)),
    (("lr0", _lr(rng)), ("epoch", 10), ("decay_rate", 0.95)),
    (("lr0", 0.2), ("epoch", int(rng.integers(2, 9))), ("decay_rate", 0.5)),
    (("lr0", _lr(rng)), ("epoch", 3), ("decay_rate", 1.0)),
])
STEP = _cases(lambda rng: [
    (("lr0", _lr(rng)), ("epoch", 9)),
    (("lr0", _lr(rng)), ("epoch", 10)),
    (("lr0", 0.1), ("epoch", int(rng.integers(21, 30)))),
    (("lr0", _lr(rng)), ("epoch", 7), ("drop", 0.1), ("every", 3)),
    (("lr0", 0.3), ("epoch", 0), ("drop", 0.2), ("every", 2)),
])
SQRT = _cases(lambda rng: [
    (("lr0", _lr(rng)), ("epoch", 1)),
    (("lr0", _lr(rng)), ("epoch", 4)),
    (("lr0", 0.2), ("epoch", int(rng.integers(5, 50)))),
    (("lr0", _lr(rng)), ("epoch", 9), ("k", 0.5)),
])


def _inverse_no_floor(lr0, epoch, decay_rate, time_interval=1):
    return lr0 / (1 + decay_rate * epoch / time_interval)


def _inverse_ignores_interval(lr0, epoch, decay_rate, time_interval=1):
    return lr0 / (1 + decay_rate * epoch)


def _exponential_from_one(lr0, epoch, decay_rate):
    return lr0 * decay_rate ** (epoch + 1)


def _exponential_without_lr0(lr0, epoch, decay_rate):
    return decay_rate ** epoch


def _step_no_floor(lr0, epoch, drop=0.5, every=10):
    return lr0 * drop ** (epoch / every)


def _step_from_one(lr0, epoch, drop=0.5, every=10):
    return lr0 * drop ** math.floor((epoch + 1) / every)


def _sqrt_no_root(lr0, epoch, k=1.0):
    return k * lr0 / epoch


def _sqrt_without_k(lr0, epoch, k=1.0):
    return lr0 / math.sqrt(epoch)


def _m(en, zh, impl, hint_en, hint_zh):
    return KnownMistake(t(en, zh), impl, t(hint_en, hint_zh))


FLOOR_HINT = ("floor(epoch / every) stays the same for `every` epochs: use integer division epoch // every.",
              "floor(epoch / every) 在 `every` 个周期内保持不变：请用整除 epoch // every。")
TASKS = [
    Task("optim.inverse_time_decay", cases=INVERSE_TIME, outputs=("lr",), mistakes=[
        _m("epoch / time_interval is not rounded down", "epoch / time_interval 没有向下取整", _inverse_no_floor,
           "The staircase form decays once every time_interval epochs: decay_rate * (epoch // time_interval).",
           "阶梯形式每 time_interval 个周期才衰减一次：decay_rate * (epoch // time_interval)。"),
        _m("time_interval is ignored", "忽略了 time_interval", _inverse_ignores_interval,
           "lr0 / (1 + decay_rate * (epoch // time_interval)); with time_interval = 1 it is lr0 / (1 + decay_rate * epoch).",
           "lr0 / (1 + decay_rate * (epoch // time_interval))；time_interval = 1 时即 lr0 / (1 + decay_rate * epoch)。")]),
    Task("optim.exponential_decay", cases=EXPONENTIAL, outputs=("lr",), mistakes=[
        _m("the epoch is counted from 1 (decay_rate ** (epoch + 1))", "周期从 1 开始计数（decay_rate ** (epoch + 1)）",
           _exponential_from_one, "Epoch 0 trains with lr0 itself: lr0 * decay_rate ** epoch.",
           "第 0 个周期就用 lr0 本身：lr0 * decay_rate ** epoch。"),
        _m("lr0 is missing: decay_rate ** epoch alone", "漏了 lr0：只有 decay_rate ** epoch", _exponential_without_lr0,
           "The schedule scales the starting rate: lr0 * decay_rate ** epoch.", "衰减作用在初始学习率上：lr0 * decay_rate ** epoch。")]),
    Task("optim.step_decay", cases=STEP, outputs=("lr",), mistakes=[
        _m("epoch / every is not rounded down (a smooth curve, not steps)", "epoch / every 没有向下取整（得到平滑曲线而不是阶梯）",
           _step_no_floor, *FLOOR_HINT),
        _m("the epoch is counted from 1 (floor((epoch + 1) / every))", "周期从 1 开始计数（floor((epoch + 1) / every)）",
           _step_from_one, "The first drop comes at epoch == every: drop ** (epoch // every).",
           "第一次下降发生在 epoch == every 时：drop ** (epoch // every)。")]),
    Task("optim.sqrt_decay", cases=SQRT, outputs=("lr",), mistakes=[
        _m("the epoch is not square-rooted (k * lr0 / epoch)", "epoch 没有开平方（k * lr0 / epoch）", _sqrt_no_root,
           "k * lr0 / np.sqrt(epoch).", "k * lr0 / np.sqrt(epoch)。"),
        _m("k is ignored", "忽略了 k", _sqrt_without_k, "Multiply by k: k * lr0 / sqrt(epoch).", "要乘以 k：k * lr0 / sqrt(epoch)。")]),
]
