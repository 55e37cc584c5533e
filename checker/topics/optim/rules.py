"""The six update rules, ``rule(w, dw, config=None) -> (next_w, config)``.

Each case runs the rule over several successive gradients with the returned ``w`` and ``config``
carried from step to step (``adapters.successive_updates``), so a rule that loses its state shows
up from the second step on. The compared outputs are the change made to ``w`` in every step (a
sign or a mis-scaled learning rate is then named by the engine) and the last config. Cases: a
``None`` config (the defaults), given hyper-parameters, a resumed state (Adam at ``t = 5``) and tiny
gradients with a coordinate whose gradient is always 0 (where epsilon's placement decides).
"""

import numpy as np

import checker.reference.optim as ref
from checker import adapters
from checker.spec import Case, KnownMistake, Task
from checker.topics.optim.common import t

RULES = {"sgd": ref._sgd, "sgd_momentum": ref._sgd_momentum, "nesterov": ref._nesterov,
         "adagrad": ref._adagrad, "rmsprop": ref._rmsprop, "adam": ref._adam}
HYPER = {"sgd": {"learning_rate": 0.05}, "sgd_momentum": {"learning_rate": 0.05, "momentum": 0.6},
         "nesterov": {"learning_rate": 0.05, "momentum": 0.6}, "adagrad": {"learning_rate": 0.05, "epsilon": 1e-6},
         "rmsprop": {"learning_rate": 0.02, "decay_rate": 0.9, "epsilon": 1e-6},
         "adam": {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}}
STATE = {"sgd": (), "sgd_momentum": ("velocity",), "nesterov": ("velocity",), "adagrad": ("cache",),
         "rmsprop": ("cache",), "adam": ("m", "v", "t")}


# =========================================================================== cases
def _resumed_state(rule, rng, shape):
    if rule in ("sgd_momentum", "nesterov"):
        return {"velocity": rng.normal(scale=0.05, size=shape)}
    if rule == "adagrad":
        return {"cache": rng.uniform(0.5, 3.0, size=shape)}
    if rule == "rmsprop":
        return {"cache": rng.uniform(0.2, 1.5, size=shape)}
    if rule == "adam":
        return {"m": rng.normal(scale=0.3, size=shape), "v": rng.uniform(0.05, 1.0, size=shape), "t": 5}
    return {}


def rule_cases(rule):
    def cases(rng):
        yield Case(("config None (the defaults), 4 steps, w (3, 4)", "config 为 None（默认值），4 步，w (3, 4)"),
                   rng.normal(size=(3, 4)), rng.normal(size=(4, 3, 4)), None)
        hyper = HYPER[rule]
        words = ", ".join(f"{k} {v:g}" for k, v in hyper.items())
        yield Case((f"{words}; 5 steps, w (6,)", f"{words}；5 步，w (6,)"),
                   rng.normal(size=6), rng.normal(size=(5, 6)), dict(hyper))
        if STATE[rule]:
            state = _resumed_state(rule, rng, (2, 5))
            names = ", ".join(f"{k} = 5" if k == "t" else k for k in state)
            yield Case((f"resumed: config holds {names} from earlier steps; 3 steps, w (2, 5)",
                        f"续训：config 中已有之前的 {names}；3 步，w (2, 5)"),
                       rng.normal(size=(2, 5)), rng.normal(size=(3, 2, 5)), dict(hyper, **state))
            dws = rng.normal(scale=1e-4, size=(4, 3, 3))
            dws[:, :, 0] = 0.0
            yield Case(("tiny gradients (about 1e-4), column 0 always 0, defaults; 4 steps, w (3, 3)",
                        "极小的梯度（约 1e-4），第 0 列始终为 0，默认值；4 步，w (3, 3)"),
                       rng.normal(size=(3, 3)), dws, {})
        else:
            yield Case(("learning_rate 0.3, one step, w (4, 2)", "learning_rate 0.3，一步，w (4, 2)"),
                       rng.normal(size=(4, 2)), rng.normal(size=(1, 4, 2)), {"learning_rate": 0.3})
    return cases


# =========================================================================== known mistakes
def _defaults_only(rule):
    """The caller's hyper-parameters are overwritten by the defaults (state kept)."""
    def wrong(w, dw, config=None):
        state = {k: v for k, v in (config or {}).items() if k in STATE[rule]}
        return RULES[rule](w, dw, state)
    return wrong


def _state_not_stored(rule):
    """The new state is computed but never written back: every step starts from the state the
    caller passed in (zeros on first use)."""
    def wrong(w, dw, config=None):
        config = {} if config is None else config
        # the state stays what it was before the step: the caller's, or the zeros of first use
        before = {k: config.get(k, 0 if k == "t" else np.zeros_like(w)) for k in STATE[rule]}
        next_w, config = RULES[rule](w, dw, config)
        config.update(before)
        return next_w, config
    return wrong


def _momentum_dls(w, dw, config=None):
    config = ref._config(config, {"learning_rate": 1e-2, "momentum": 0.9})
    beta = config["momentum"]
    v = beta * config.get("velocity", np.zeros_like(w)) + (1 - beta) * dw
    config["velocity"] = v
    return w - config["learning_rate"] * v, config


def _momentum_old_velocity(w, dw, config=None):
    config = ref._config(config, {"learning_rate": 1e-2, "momentum": 0.9})
    v_prev = config.get("velocity", np.zeros_like(w))
    config["velocity"] = config["momentum"] * v_prev - config["learning_rate"] * dw
    return w + v_prev, config


def _eps_inside(rule):
    def wrong(w, dw, config=None):
        config = ref._config(config, {"adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8},
                                      "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
                                      "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999,
                                               "epsilon": 1e-8}}[rule])
        eps = config["epsilon"]
        if rule == "adam":
            with np.errstate(divide="ignore", invalid="ignore"):
                next_w, config = ref._adam(w, dw, dict(config, epsilon=0.0))
            config["epsilon"] = eps
            m_hat = config["m"] / (1 - config["beta1"] ** config["t"])
            v_hat = config["v"] / (1 - config["beta2"] ** config["t"])
            return w - config["learning_rate"] * m_hat / np.sqrt(v_hat + eps), config
        _, config = RULES[rule](w, dw, config)
        return w - config["learning_rate"] * dw / np.sqrt(config["cache"] + eps), config
    return wrong


def _rmsprop_swapped(w, dw, config=None):
    config = ref._config(config, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8})
    rho = config["decay_rate"]
    config["cache"] = (1 - rho) * config.get("cache", np.zeros_like(w)) + rho * dw * dw
    return w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"]), config


def _rmsprop_dls_default(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("decay_rate", 0.999)
    return ref._rmsprop(w, dw, config)


def _adam_variant(t_after=False, correct=True, store_hat=False, keep_t=False):
    def wrong(w, dw, config=None):
        config = ref._config(config, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8})
        b1, b2 = config["beta1"], config["beta2"]
        t0 = config.get("t", 0)
        m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
        v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
        t_used = t0 if t_after else (1 if keep_t else t0 + 1)
        if t_used == 0:  # the learner's code gives inf and NaN here: a non_finite finding says so
            raise ZeroDivisionError("bias correction with t = 0 divides by 1 - beta ** 0 = 0")
        m_hat, v_hat = (m / (1 - b1 ** t_used), v / (1 - b2 ** t_used)) if correct else (m, v)
        step = config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
        config["m"], config["v"] = (m_hat, v_hat) if store_hat else (m, v)
        config["t"] = 1 if keep_t else t0 + 1
        return w - step, config
    return wrong


def _mistake(en, zh, implementation, hint_en, hint_zh):
    return KnownMistake(t(en, zh), implementation, t(hint_en, hint_zh))


def defaults_mistake(rule):
    return _mistake("the hyper-parameters in config are replaced by the defaults", "config 中的超参数被默认值覆盖了",
                    _defaults_only(rule),
                    "Fill in a default only when the key is missing: config.setdefault('learning_rate', 1e-2), "
                    "never config['learning_rate'] = 1e-2.",
                    "只在键不存在时才填默认值：config.setdefault('learning_rate', 1e-2)，而不是 config['learning_rate'] = 1e-2。")


def state_mistake(rule):
    keys = ", ".join(STATE[rule])
    return _mistake(f"the new state ({keys}) is not stored back into config", f"新的状态（{keys}）没有存回 config",
                    _state_not_stored(rule),
                    f"Write the new state into config (config['{STATE[rule][0]}'] = ...) before returning, so that "
                    "the next step continues from it; with the old state every step forgets the ones before.",
                    f"返回之前把新状态写回 config（config['{STATE[rule][0]}'] = ...），下一步才能接着用；"
                    "否则每一步都忘掉了之前的步骤。")


DLS_MOMENTUM = _mistake(
    "the Deep Learning Specialization's form v = beta * v + (1 - beta) * dw, w -= lr * v",
    "使用了深度学习专项课程（DLS）的形式 v = beta * v + (1 - beta) * dw, w -= lr * v", _momentum_dls,
    "That is the same method with a rescaled learning rate: with v0 = 0 and a constant rate, DLS's lr "
    "equals CS231n's lr' = lr * (1 - beta) and v_CS231n = -lr * v_DLS. This course uses CS231n's form: "
    "v = momentum * v - learning_rate * dw; w += v (the stored velocity has that sign).",
    "它是同一种方法，只是学习率换了尺度：v0 = 0 且学习率不变时，DLS 的 lr 相当于 CS231n 的 lr' = lr * (1 - beta)，"
    "并且 v_CS231n = -lr * v_DLS。本课程使用 CS231n 的形式：v = momentum * v - learning_rate * dw; w += v"
    "（保存的速度带这个符号）。")
OLD_VELOCITY = _mistake("w moves by the previous velocity (w += v before v is updated)",
                        "w 按上一步的速度移动（先 w += v，再更新 v）", _momentum_old_velocity,
                        "Update the velocity first, then move: v = momentum * v - learning_rate * dw; w += v.",
                        "先更新速度，再移动：v = momentum * v - learning_rate * dw; w += v。")
PLAIN_MOMENTUM = _mistake("plain momentum: w += v, without Nesterov's look-ahead correction",
                          "这是普通动量：w += v，没有 Nesterov 的前瞻修正", ref._sgd_momentum,
                          "Keep the previous velocity: v_prev = v; v = momentum * v - learning_rate * dw; "
                          "w += -momentum * v_prev + (1 + momentum) * v.",
                          "保留上一步的速度：v_prev = v; v = momentum * v - learning_rate * dw; "
                          "w += -momentum * v_prev + (1 + momentum) * v。")


def eps_mistake(rule):
    return _mistake("epsilon is inside the square root: sqrt(cache + eps) instead of sqrt(cache) + eps",
                    "epsilon 放在了平方根里面：写成 sqrt(cache + eps)，而不是 sqrt(cache) + eps", _eps_inside(rule),
                    "Here epsilon is added after the square root: dw / (np.sqrt(cache) + epsilon) (CS231n and "
                    "the Adam paper). With tiny gradients the two placements differ a lot.",
                    "这里 epsilon 加在平方根之后：dw / (np.sqrt(cache) + epsilon)（CS231n 与 Adam 论文的写法）。"
                    "梯度很小时两种写法相差很大。")


RMSPROP_SWAPPED = _mistake("the weights are swapped: (1 - decay_rate) * cache + decay_rate * dw ** 2",
                           "权重写反了：(1 - decay_rate) * cache + decay_rate * dw ** 2", _rmsprop_swapped,
                           "decay_rate weighs the past: cache = decay_rate * cache + (1 - decay_rate) * dw ** 2.",
                           "decay_rate 是过去的权重：cache = decay_rate * cache + (1 - decay_rate) * dw ** 2。")
RMSPROP_DLS_DEFAULT = _mistake("decay_rate defaults to 0.999 (the Deep Learning Specialization's beta2)",
                               "decay_rate 的默认值用了 0.999（DLS 的 beta2）", _rmsprop_dls_default,
                               "CS231n's RMSProp default is decay_rate = 0.99.", "CS231n 中 RMSProp 的默认 decay_rate 是 0.99。")
ADAM_T_AFTER = _mistake("t is incremented after the bias correction (the first step divides by 1 - beta ** 0 = 0)",
                        "t 在偏差修正之后才加 1（第一步除以 1 - beta ** 0 = 0）", _adam_variant(t_after=True),
                        "Increment first: config['t'] += 1, then m_hat = m / (1 - beta1 ** t) and "
                        "v_hat = v / (1 - beta2 ** t); the first step uses t = 1.",
                        "先加一：config['t'] += 1，再 m_hat = m / (1 - beta1 ** t)、v_hat = v / (1 - beta2 ** t)；第一步用 t = 1。")
ADAM_NO_CORRECTION = _mistake("m and v are used without bias correction", "m 和 v 没有做偏差修正就用了",
                              _adam_variant(correct=False),
                              "Divide by (1 - beta1 ** t) and (1 - beta2 ** t): m and v start at 0 and are too "
                              "small in the first steps.",
                              "要除以 (1 - beta1 ** t) 和 (1 - beta2 ** t)：m 和 v 从 0 开始，前几步偏小。")
ADAM_STORES_HAT = _mistake("the corrected m_hat and v_hat are stored as m and v", "把修正后的 m_hat、v_hat 当作 m、v 存了回去",
                           _adam_variant(store_hat=True),
                           "Store the raw averages m and v; the corrected ones are only for this step's update.",
                           "存回 config 的是未修正的 m 和 v；修正后的值只用于本步的更新。")
ADAM_T_LOST = _mistake("t is not carried from step to step (every step uses t = 1)", "t 没有逐步累加（每一步都用 t = 1）",
                       _adam_variant(keep_t=True),
                       "config['t'] = config.get('t', 0) + 1: t counts the steps taken so far, resumed ones included.",
                       "config['t'] = config.get('t', 0) + 1：t 统计迄今为止的步数，包括续训之前的步数。")

def _adam_betas_swapped(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("beta1", 0.999)
    config.setdefault("beta2", 0.9)
    return ref._adam(w, dw, config)


ADAM_BETAS_SWAPPED = _mistake("the default betas are swapped: beta1 = 0.999 for m, beta2 = 0.9 for v",
                              "默认的 beta 写反了：m 用了 beta1 = 0.999，v 用了 beta2 = 0.9", _adam_betas_swapped,
                              "beta1 = 0.9 averages the gradient (momentum), beta2 = 0.999 its square (RMSProp).",
                              "beta1 = 0.9 用于梯度的平均（动量），beta2 = 0.999 用于梯度平方的平均（RMSProp）。")

MISTAKES = {
    "sgd": [defaults_mistake("sgd")],
    "sgd_momentum": [DLS_MOMENTUM, OLD_VELOCITY, state_mistake("sgd_momentum"), defaults_mistake("sgd_momentum")],
    "nesterov": [PLAIN_MOMENTUM, state_mistake("nesterov"), defaults_mistake("nesterov")],
    "adagrad": [eps_mistake("adagrad"), state_mistake("adagrad"), defaults_mistake("adagrad")],
    "rmsprop": [eps_mistake("rmsprop"), RMSPROP_SWAPPED, RMSPROP_DLS_DEFAULT, state_mistake("rmsprop"),
                defaults_mistake("rmsprop")],
    "adam": [ADAM_T_AFTER, ADAM_NO_CORRECTION, ADAM_STORES_HAT, ADAM_T_LOST, ADAM_BETAS_SWAPPED, eps_mistake("adam"),
             state_mistake("adam"), defaults_mistake("adam")],
}

# =========================================================================== texts
HINTS = {
    "wrong_type": t("Return (next_w, config): config is the dict you were given (a new one when it was None) with "
                    "the defaults filled in and the new state stored, and next_w has w's shape.",
                    "返回 (next_w, config)：config 是传入的字典（为 None 时新建一个），其中填好默认值并存入新状态；"
                    "next_w 的形状与 w 相同。"),
    "exception": t("config may be None: start with `if config is None: config = {}`, then config.setdefault(...) "
                   "for every hyper-parameter; state keys are missing on the first call (config.get(key, zeros)).",
                   "config 可能为 None：先写 `if config is None: config = {}`，再对每个超参数 config.setdefault(...)；"
                   "第一次调用时状态键还不存在（config.get(key, zeros)）。"),
    "sign": t("A step goes against the gradient (w decreases where dw > 0); CS231n's velocity has that sign too: "
              "v = momentum * v - learning_rate * dw.",
              "每一步都逆着梯度走（dw > 0 处 w 变小）；CS231n 的速度也带这个符号：v = momentum * v - learning_rate * dw。"),
    "scale": t("Every step is off by the same factor: use config['learning_rate'] (and its default only when "
               "the key is missing).",
               "每一步都差同一个倍数：请使用 config['learning_rate']（只有键不存在时才用默认值）。"),
    "non_finite": t("A coordinate whose gradient is always 0 has cache 0: 0 / sqrt(0) is NaN; epsilon, added after "
                    "the square root, keeps the division finite.",
                    "梯度始终为 0 的坐标，其 cache 也为 0：0 / sqrt(0) 是 NaN；加在平方根之后的 epsilon 使除法保持有限。"),
    "mutates_input": t("Do not change dw in place (dw *= ...): compute new arrays. Updating w in place is allowed.",
                       "不要原地修改 dw（dw *= ...）：请计算新数组。原地更新 w 是允许的。"),
}


ADAM_HINTS = dict(HINTS, non_finite=t(
    "Two ways to divide by zero: t incremented after the bias correction (at the first step 1 - beta ** 0 = 0: "
    "increment t first), or epsilon missing where v is 0 (it goes after the square root).",
    "两种除以零的情形：t 在偏差修正之后才加一（第一步 1 - beta ** 0 = 0：请先把 t 加一），"
    "或者 v 为 0 处缺少 epsilon（它加在平方根之后）。"))


def rule_task(rule):
    return Task(f"optim.{rule}", cases=rule_cases(rule), outputs=("steps", "config"), adapter=adapters.successive_updates,
                in_out=("w", "config"), mistakes=MISTAKES[rule], hints=ADAM_HINTS if rule == "adam" else HINTS,
                rtol=1e-7, atol=1e-12)


TASKS = [rule_task(rule) for rule in RULES]
