"""``batchnorm_forward(x, gamma, beta, bn_param) -> (out, cache)``, checked over successive calls.

Each case runs the learner's forward on several batches in a row with one ``bn_param`` carried from
call to call (``adapters.normalization_calls``), with the mode of every call given: a few train
calls, then sometimes a test call. The compared outputs are every call's ``out`` and the running
statistics left in ``bn_param`` at the end, so the running-average convention, a test mode that
still updates them or one that normalizes with the batch's own statistics all show. Cases: the
defaults from empty running statistics, a given momentum and eps resumed from earlier statistics,
train then test, test only, a batch of one sample, and features on very different scales.
"""

import numpy as np

from checker import adapters
from checker.spec import Case
from checker.topics.bn.common import ROW_SHAPE, mistake, t
from checker.topics.layer_cases import forward_task


# =========================================================================== cases
def _batches(rng, T, N, D, scales=None):
    scales = np.ones(D) if scales is None else np.asarray(scales)
    centres = rng.normal(scale=2.0, size=D)
    return centres + scales * rng.normal(size=(T, N, D))


def _running(rng, D):
    return {"running_mean": rng.normal(size=D), "running_var": rng.uniform(0.5, 2.0, size=D)}


def batchnorm_cases(rng):
    D = 4
    yield Case(("3 train batches of 8 x 4, bn_param {'mode'} only (running statistics start at zeros)",
                "3 个训练批次，每批 8 x 4，bn_param 只有 'mode'（滑动统计量从 0 开始）"),
               _batches(rng, 3, 8, D), ["train"] * 3, rng.normal(size=D), rng.normal(size=D), {"mode": "train"})
    D = 3
    yield Case(("4 train batches of 5 x 3, momentum 0.7, eps 1e-3, running statistics from earlier steps",
                "4 个训练批次，每批 5 x 3，momentum 0.7，eps 1e-3，滑动统计量来自之前的步骤"),
               _batches(rng, 4, 5, D), ["train"] * 4, rng.normal(size=D), rng.normal(size=D),
               {"mode": "train", "momentum": 0.7, "eps": 1e-3, **_running(rng, D)})
    D = 5
    yield Case(("3 train batches of 6 x 5, then a test batch of 6 x 5", "3 个训练批次（6 x 5），然后一个测试批次（6 x 5）"),
               _batches(rng, 4, 6, D), ["train"] * 3 + ["test"], rng.uniform(0.5, 2.0, size=D), rng.normal(size=D),
               {"mode": "train"})
    D = 4
    yield Case(("test mode only: 2 batches of 7 x 4 with given running statistics",
                "只有测试模式：2 个批次（7 x 4），滑动统计量已给定"),
               _batches(rng, 2, 7, D), ["test"] * 2, rng.normal(size=D), rng.normal(size=D),
               {"mode": "test", **_running(rng, D)})
    D = 3
    yield Case(("a batch of one sample (N = 1) in train mode, 2 calls: the output is beta",
                "训练模式下只有一个样本的批次（N = 1），调用 2 次：输出就是 beta"),
               _batches(rng, 2, 1, D), ["train"] * 2, rng.normal(size=D), rng.normal(size=D), {"mode": "train"})
    D = 3
    yield Case(("features on scales 1, 100 and 0.01; 2 train batches of 10 x 3, then a test batch",
                "特征的尺度分别为 1、100 和 0.01；2 个训练批次（10 x 3），然后一个测试批次"),
               _batches(rng, 3, 10, D, scales=[1.0, 100.0, 0.01]), ["train", "train", "test"],
               rng.normal(size=D), rng.normal(size=D), {"mode": "train", "eps": 1e-5})


# =========================================================================== known mistakes
def batchnorm_variant(ddof=0, eps_outside=False, torch_momentum=False, store_running=True, update_in_test=False,
                      test_batch_stats=False, test_without_affine=False, axis=0, unbiased_running_var=False):
    """A batch-norm forward with one convention changed (the keyword that is not its default)."""

    def forward(x, gamma, beta, bn_param):
        eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
        D = x.shape[1]
        running_mean = bn_param.get("running_mean", np.zeros(D))
        running_var = bn_param.get("running_var", np.zeros(D))
        batch_mean = x.mean(axis=axis, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            batch_var = x.var(axis=axis, ddof=ddof, keepdims=True)

        def normalized(mu, var):
            with np.errstate(divide="ignore", invalid="ignore"):
                return (x - mu) / (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))

        train = bn_param["mode"] == "train"
        if train or test_batch_stats:
            x_hat = normalized(batch_mean, batch_var)
        else:
            x_hat = normalized(running_mean, running_var)
        out = x_hat if (test_without_affine and not train) else gamma * x_hat + beta
        if (train or update_in_test) and store_running and axis == 0:
            mu, var = batch_mean[0], batch_var[0]
            if unbiased_running_var:
                var = x.var(axis=0, ddof=1) if x.shape[0] > 1 else np.full(D, np.nan)
            old = (1 - momentum) if torch_momentum else momentum
            bn_param["running_mean"] = old * running_mean + (1 - old) * mu
            bn_param["running_var"] = old * running_var + (1 - old) * var
        return out, None

    return forward


FORWARD_MISTAKES = [
    mistake("the unbiased variance (dividing by N - 1) instead of the batch's biased variance",
            "用了无偏方差（除以 N - 1），而不是批次的有偏方差", batchnorm_variant(ddof=1),
            "Batch norm normalizes with the biased variance: np.var(x, axis=0) or np.mean((x - mu) ** 2, axis=0), "
            "dividing by N (np.std and np.var default to ddof=0; pandas and torch.var do not).",
            "批归一化使用有偏方差：np.var(x, axis=0) 或 np.mean((x - mu) ** 2, axis=0)，除以 N"
            "（np.std 和 np.var 默认 ddof=0；pandas 和 torch.var 则不是）。"),
    mistake("eps is added outside the square root: (x - mu) / (sqrt(var) + eps)",
            "eps 加在了平方根外面：(x - mu) / (sqrt(var) + eps)", batchnorm_variant(eps_outside=True),
            "eps goes inside: (x - mu) / np.sqrt(var + eps). For a feature with a tiny variance the two differ a lot.",
            "eps 应加在平方根里面：(x - mu) / np.sqrt(var + eps)。某个特征方差很小时两者相差很大。"),
    mistake("PyTorch's momentum convention: running = (1 - momentum) * running + momentum * batch",
            "用了 PyTorch 的 momentum 约定：running = (1 - momentum) * running + momentum * batch",
            batchnorm_variant(torch_momentum=True),
            "Here momentum weighs the old value: running = momentum * running + (1 - momentum) * batch (CS231n). "
            "PyTorch's momentum=0.1 weighs the new batch, so it is this course's momentum 0.9.",
            "这里 momentum 是旧值的权重：running = momentum * running + (1 - momentum) * batch（CS231n）。"
            "PyTorch 的 momentum=0.1 是新批次的权重，相当于本课程的 momentum 0.9。"),
    mistake("PyTorch's running variance: the unbiased (N - 1) batch variance goes into running_var",
            "用了 PyTorch 的滑动方差：放进 running_var 的是无偏（N - 1）的批次方差",
            batchnorm_variant(unbiased_running_var=True),
            "The running variance averages the same biased variance the batch was normalized with (PyTorch stores "
            "the unbiased one; this course does not).",
            "滑动方差平均的是归一化时所用的同一个有偏方差（PyTorch 存的是无偏方差，本课程不这样做）。"),
    mistake("the running statistics are never written back into bn_param", "滑动统计量没有写回 bn_param",
            batchnorm_variant(store_running=False),
            "After computing them, store them: bn_param['running_mean'] = running_mean (and running_var). "
            "The next call, and test mode, read them from there.",
            "算出来之后要存回去：bn_param['running_mean'] = running_mean（running_var 同理）。"
            "下一次调用以及测试模式都从那里读取。"),
    mistake("the running statistics are updated in test mode too", "测试模式下也更新了滑动统计量",
            batchnorm_variant(update_in_test=True),
            "Test mode only reads running_mean and running_var: it must not change bn_param (a test batch would "
            "otherwise leak into the model).",
            "测试模式只读取 running_mean 和 running_var：不能修改 bn_param（否则测试数据会渗入模型）。"),
    mistake("test mode normalizes with the test batch's own statistics", "测试模式用了测试批次自己的统计量",
            batchnorm_variant(test_batch_stats=True),
            "At test time normalize with the running averages: (x - running_mean) / np.sqrt(running_var + eps). "
            "A prediction must not depend on which other samples share its batch.",
            "测试时用滑动平均做归一化：(x - running_mean) / np.sqrt(running_var + eps)。"
            "一个样本的预测不应取决于同一批次里还有哪些样本。"),
    mistake("test mode forgets the scale and shift: out = x_hat instead of gamma * x_hat + beta",
            "测试模式忘了缩放和平移：out = x_hat，而不是 gamma * x_hat + beta",
            batchnorm_variant(test_without_affine=True),
            "gamma and beta are learned parameters of the layer: apply them in both modes.",
            "gamma 和 beta 是这一层学到的参数：两种模式下都要用。"),
    mistake("the statistics are taken over the features of each sample (axis=1: that is layer norm)",
            "统计量是对每个样本的特征求的（axis=1：那是层归一化）", batchnorm_variant(axis=1),
            "Batch norm averages each feature over the batch: x.mean(axis=0) and x.var(axis=0), shapes (D,).",
            "批归一化对每个特征在批次上求平均：x.mean(axis=0) 和 x.var(axis=0)，形状为 (D,)。"),
]

FORWARD_HINTS = {
    "shape": ROW_SHAPE,
    "exception": t("bn_param holds 'mode'; eps, momentum, running_mean and running_var may be missing: "
                   "bn_param.get('eps', 1e-5), bn_param.get('running_mean', np.zeros(D)).",
                   "bn_param 中有 'mode'；eps、momentum、running_mean 和 running_var 可能没有："
                   "bn_param.get('eps', 1e-5)、bn_param.get('running_mean', np.zeros(D))。"),
    "non_finite": t("With one sample the batch variance is 0 and the unbiased one is 0 / 0: use the biased variance "
                    "and eps inside the square root, so that the output is simply beta.",
                    "只有一个样本时批次方差为 0，而无偏方差是 0 / 0：请用有偏方差，并把 eps 放进平方根，这样输出就是 beta。"),
    "mutates_input": t("Do not write into x (x -= mu changes the caller's batch): compute new arrays. bn_param is "
                       "the one argument meant to change.",
                       "不要修改 x（x -= mu 会改动调用者的批次）：请计算新数组。只有 bn_param 是应该被修改的参数。"),
}

FORWARD_TASK = forward_task(
    "bn.batchnorm_forward", batchnorm_cases, outputs=("out", "running_mean", "running_var"),
    adapter=adapters.normalization_calls, in_out=("bn_param",), mistakes=FORWARD_MISTAKES, hints=FORWARD_HINTS,
    rtol=1e-7, atol=1e-10)
