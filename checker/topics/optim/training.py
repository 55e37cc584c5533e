"""The learner's own training loop, ``train(loss_fn, params, X, y, update_rule, config, epochs,
batch_size, seed) -> (params, history)``.

Functions cannot cross into the grading worker, so a case names its loss and its update rule
(``adapters.train_with_named``), and the adapter records which rows of ``X`` every call of the loss
was given. The batch order is the learner's own (any permutation is right), so everything is a
property (see ``common.Opaque``): one loss per step in ``history``, every sample once per epoch
with its label, a new order every epoch and for every seed, the same for the same seed, and the
values: the trained parameters and the losses must equal those of the loss and the rule replayed
on the learner's own batches, each parameter with its own copy of ``config`` carried from step to
step. With ``batch_size >= N`` the order does not matter and that replay is the reference itself.
"""

import copy
import math

import numpy as np

from checker import adapters
from checker.compare import Comparison, Dims
from checker.i18n import render
from checker.spec import Case, Property, Task
from checker.topics.optim.common import Opaque, t


# =========================================================================== cases
def _data(rng, N, D, C=None):
    X = rng.normal(size=(N, D))
    if C is None:
        y = X @ rng.normal(size=D) + rng.normal(scale=0.3, size=N)
        return {"w": rng.normal(scale=0.1, size=D), "b": np.zeros(1)}, X, y
    return {"W": rng.normal(scale=0.1, size=(D, C)), "b": np.zeros(C)}, X, rng.integers(0, C, size=N).astype(np.int64)


def train_cases(rng):
    params, X, y = _data(rng, 24, 4, 3)
    yield Case(("softmax, sgd lr 0.5, one batch of all 24 samples, 5 epochs", "softmax，sgd lr 0.5，一批装下全部 24 个样本，5 个周期"),
               "softmax_regression", "sgd", params, X, y, {"learning_rate": 0.5}, 5, 1000, int(rng.integers(0, 1000)))
    params, X, y = _data(rng, 16, 3)
    yield Case(("least squares, sgd_momentum, config None, batch_size = N = 16, 4 epochs",
                "最小二乘，sgd_momentum，config 为 None，batch_size = N = 16，4 个周期"),
               "least_squares", "sgd_momentum", params, X, y, None, 4, 16, 0)
    params, X, y = _data(rng, 30, 5, 4)
    yield Case(("softmax, adam lr 0.05, 30 samples in batches of 8, 3 epochs", "softmax，adam lr 0.05，30 个样本每批 8 个，3 个周期"),
               "softmax_regression", "adam", params, X, y, {"learning_rate": 0.05}, 3, 8, int(rng.integers(0, 1000)))
    params, X, y = _data(rng, 17, 3)
    yield Case(("least squares, sgd_momentum lr 0.1 momentum 0.5, 17 samples in batches of 5, 2 epochs",
                "最小二乘，sgd_momentum lr 0.1 momentum 0.5，17 个样本每批 5 个，2 个周期"),
               "least_squares", "sgd_momentum", params, X, y, {"learning_rate": 0.1, "momentum": 0.5}, 2, 5,
               int(rng.integers(0, 1000)))
    params, X, y = _data(rng, 70, 3, 2)
    yield Case(("softmax, sgd, 70 samples, the defaults (config None, 1 epoch, batch_size 64, seed 0)",
                "softmax，sgd，70 个样本，默认值（config None、1 个周期、batch_size 64、seed 0）"),
               "softmax_regression", "sgd", params, X, y)


NAMES = ("loss", "rule", "params", "X", "y", "config", "epochs", "batch_size", "seed")
DEFAULTS = {"config": None, "epochs": 1, "batch_size": 64, "seed": 0}


def _arguments(case):
    named = dict(DEFAULTS)
    named.update(zip(NAMES, case.args))
    named.update(case.kwargs)
    return named


def _parts(got):
    return tuple(part.value if isinstance(part, Opaque) else part for part in (got["params"], got["history"], got["batches"]))


def _steps_per_epoch(named):
    return math.ceil(len(named["X"]) / named["batch_size"])


# =========================================================================== replays
def replay(named, batches, shared=False, fresh_state=False, default_config=False, frozen=False):
    """Train with the case's loss and rule on the given batches (row indices, in order)."""
    loss_fn, rule = adapters.TRAINING_LOSSES[named["loss"]], adapters.UPDATE_RULES[named["rule"]]
    params = {k: np.array(v, dtype=np.float64) for k, v in named["params"].items()}
    config = None if default_config else named["config"]
    one = {} if config is None else copy.deepcopy(config)
    configs = {k: one if shared else copy.deepcopy(config) for k in params}
    history = []
    X, y = named["X"], named["y"]
    for rows in batches:
        loss, grads = loss_fn(params, X[rows], y[rows])
        history.append(loss)
        for k in params:
            state = copy.deepcopy(config) if fresh_state else configs[k]
            next_w, configs[k] = rule(params[k], grads[k], state)
            if not frozen:
                params[k] = next_w
    return params, history


MISTAKES = [
    (dict(fresh_state=True), t("the rule's state is not carried: every step gets a fresh copy of config",
                               "更新规则的状态没有延续：每一步都拿到一份新的 config 副本"),
     t("Make one config per parameter before the loop (configs = {k: dict(config or {}) for k in params}) and keep "
       "what the rule returns: params[k], configs[k] = update_rule(params[k], grads[k], configs[k]).",
       "在循环之前为每个参数建一个 config（configs = {k: dict(config or {}) for k in params}），并保存规则的返回值："
       "params[k], configs[k] = update_rule(params[k], grads[k], configs[k])。")),
    (dict(shared=True), t("one config is shared by all parameters (their states mix)", "所有参数共用一个 config（它们的状态混在一起）"),
     t("Every parameter needs a config of its own: the velocity of W is not the velocity of b.",
       "每个参数都需要自己的 config：W 的速度不是 b 的速度。")),
    (dict(default_config=True), t("config is ignored (the rule's defaults are used)", "忽略了 config（用了规则的默认值）"),
     t("Pass a copy of the config you were given to the rule for every parameter.", "把传入的 config 复制一份，交给每个参数的更新规则。")),
    (dict(frozen=True), t("the parameters never change: the rule's next_w is not stored", "参数从未改变：没有保存规则返回的 next_w"),
     t("params[k], configs[k] = update_rule(params[k], grads[k], configs[k]): the rule returns the new value.",
       "params[k], configs[k] = update_rule(params[k], grads[k], configs[k])：规则返回新的值。")),
]


def _differences(params, history, want_params, want_history):
    comparison = Comparison(None, Dims({}))
    found = []
    if not isinstance(params, dict) or set(params) != set(want_params):
        keys = sorted(params) if isinstance(params, dict) else type(params).__name__
        return [t(f"params must be a dict with the keys {sorted(want_params)}, got {keys}",
                  f"params 应为键为 {sorted(want_params)} 的字典，实际为 {keys}")]
    for k in sorted(want_params):
        found += [f.text for f in comparison.compare(f"params[{k!r}]", want_params[k], params[k])]
    found += [f.text for f in comparison.compare("history", np.array(want_history), np.asarray(history, dtype=np.float64))]
    return found


def _history(history):
    if not isinstance(history, (list, tuple, np.ndarray)):
        return None
    try:
        return [float(v) for v in history]
    except (TypeError, ValueError):
        return None


# =========================================================================== properties
def history_per_step(got, expected, case, call):
    params, history, batches = _parts(got)
    named = _arguments(case)
    values = _history(history)
    if values is None:
        return (f"history must be a list of the batch losses (numbers), got {type(history).__name__}",
                f"history 应为各批损失（数字）组成的列表，实际为 {type(history).__name__}")
    want = named["epochs"] * _steps_per_epoch(named)
    if len(batches) != want:
        return (f"the loss was called {len(batches)} times, expected once per batch: {named['epochs']} epochs x "
                f"{_steps_per_epoch(named)} batches = {want}",
                f"损失函数被调用了 {len(batches)} 次，应当每批一次：{named['epochs']} 个周期 x {_steps_per_epoch(named)} 批 = {want}")
    if len(values) != want:
        extra = t(" (one per epoch? record every batch's loss)", "（每个周期一个？应记录每一批的损失）") if len(values) == named["epochs"] else ""
        return t(f"history has {len(values)} losses, expected one per step: {want}",
                 f"history 中有 {len(values)} 个损失，应当每步一个：{want}"), extra
    return None


def _epochs(named, batches):
    per = _steps_per_epoch(named)
    return [batches[e * per:(e + 1) * per] for e in range(named["epochs"])]


def samples_per_epoch(got, expected, case, call):
    _, _, batches = _parts(got)
    named = _arguments(case)
    if len(batches) != named["epochs"] * _steps_per_epoch(named):
        return None  # history_per_step says it
    N, size = len(named["X"]), named["batch_size"]
    for e, epoch in enumerate(_epochs(named, batches)):
        sizes = [len(rows) for rows, _ in epoch]
        want = [min(size, N - k) for k in range(0, N, size)]
        if sizes != want:
            return (f"epoch {e}: batch sizes {sizes}, expected {want}", f"第 {e} 个周期：各批大小为 {sizes}，应为 {want}")
        order = np.concatenate([rows for rows, _ in epoch])
        if np.any(order < 0) or len(set(order.tolist())) != N:
            return (f"epoch {e} did not show every sample exactly once ({len(set(order.tolist()) - {-1})} of {N} "
                    "distinct samples): take the batches of random_mini_batches(X, y, batch_size, seed + epoch)",
                    f"第 {e} 个周期没有让每个样本恰好出现一次（{N} 个中只有 {len(set(order.tolist()) - {-1})} 个不同）："
                    "请使用 random_mini_batches(X, y, batch_size, seed + epoch) 的批次")
        labels = np.concatenate([np.ravel(labels) for _, labels in epoch])
        if labels.shape != order.shape or np.any(labels != named["y"][order]):
            return (f"epoch {e}: labels given to the loss do not belong to their samples", f"第 {e} 个周期：传给损失的标签与样本不对应")
    return None


def new_order(got, expected, case, call):
    _, _, batches = _parts(got)
    named = _arguments(case)
    if len(batches) != named["epochs"] * _steps_per_epoch(named) or _steps_per_epoch(named) == 1:
        return None
    orders = [np.concatenate([rows for rows, _ in epoch]).tolist() for epoch in _epochs(named, batches)]
    if len(orders) > 1 and all(order == orders[0] for order in orders):
        return (f"all {len(orders)} epochs used the same order: shuffle anew each epoch (seed + epoch)",
                f"全部 {len(orders)} 个周期的顺序都相同：每个周期都要重新打乱（seed + epoch）")
    again = [rows.tolist() for rows, _ in _parts(call())[2]]
    if again != [rows.tolist() for rows, _ in batches]:
        return (f"two runs with seed={named['seed']} saw different batches: seed every shuffle",
                f"两次使用 seed={named['seed']} 运行看到的批次不同：每次打乱都要设定种子")
    other = [rows.tolist() for rows, _ in _parts(call(seed=named["seed"] + 1))[2]]
    if other == again:
        return (f"seed={named['seed']} and seed={named['seed'] + 1} saw the same batches: the seed is not used",
                f"seed={named['seed']} 和 seed={named['seed'] + 1} 看到的批次相同：没有用到 seed")
    return None


def trained_values(got, expected, case, call):
    params, history, batches = _parts(got)
    named = _arguments(case)
    values = _history(history)
    if values is None or len(values) != len(batches) or any(np.any(rows < 0) for rows, _ in batches):
        return None  # the other properties say why
    order = [rows for rows, _ in batches]
    differences = _differences(params, values, *replay(named, order))
    if not differences:
        return None
    for changes, name, hint in MISTAKES:
        try:
            wrong = replay(named, order, **changes)
        except Exception:  # the mistake cannot even run on this case (shapes of a shared state)
            continue
        if not _differences(params, values, *wrong):
            return t(f"after {len(order)} steps the result equals what this mistake gives: {name[0]}. {hint[0]}",
                     f"{len(order)} 步之后的结果与这个错误的结果相同：{name[1]}。{hint[1]}")
    first = differences[0]
    return (f"on your own batches, {render(first, 'en')}", f"在你自己的批次上，{render(first, 'zh')}")


class TrainTask(Task):
    """The result reaches the properties whole (see ``common.Opaque``)."""

    def interpret(self, result, case):
        if isinstance(result, tuple) and len(result) == 3:
            return tuple(Opaque(part) for part in result)
        return result


TRAIN_HINT = t("for epoch in range(epochs): for X_batch, y_batch in random_mini_batches(X, y, batch_size, seed + epoch): "
               "loss, grads = loss_fn(params, X_batch, y_batch); history.append(loss); then update every parameter "
               "with its own config.",
               "for epoch in range(epochs): for X_batch, y_batch in random_mini_batches(X, y, batch_size, seed + epoch): "
               "loss, grads = loss_fn(params, X_batch, y_batch); history.append(loss)；然后用各自的 config 更新每个参数。")

TASKS = [TrainTask(
    "optim.train", cases=train_cases, outputs=("params", "history", "batches"), adapter=adapters.train_with_named,
    compare_values=False, in_out=("params", "config"), time_limit=20.0,
    properties=[
        Property(t("one loss per step", "每步一个损失"), history_per_step, hint=TRAIN_HINT),
        Property(t("every sample once per epoch", "每个周期每个样本一次"), samples_per_epoch, hint=TRAIN_HINT),
        Property(t("a new order every epoch, the same for the same seed", "每个周期新的顺序，相同种子相同顺序"), new_order,
                 hint=TRAIN_HINT),
        Property(t("trained values", "训练结果"), trained_values, hint=TRAIN_HINT),
    ],
    hints={"exception": t("update_rule(w, dw, config) returns (next_w, config); loss_fn(params, X_batch, y_batch) returns "
                          "(loss, grads) with grads keyed like params. config may be None.",
                          "update_rule(w, dw, config) 返回 (next_w, config)；loss_fn(params, X_batch, y_batch) 返回 "
                          "(loss, grads)，grads 的键与 params 相同。config 可能为 None。")})]
