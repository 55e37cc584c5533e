"""Notebook 10's transfer-learning step: ``train_new_head(params, X, y, num_classes, learning_rate,
num_iters, reg, seed) -> new_params``, a new softmax head on the frozen features of a trained
``ResNet``.

The head's random start and the learner's own training loop make the values the learner's, so
they are judged by properties (``compare_values=False``; the reference gives the keys and shapes):
the stem and block weights come back unchanged, the caller's ``params`` is left as it was (the
adapter hands back the dict after the call), and the new head classifies the data it was trained
on at least about as well as the reference's head does. Each case's images are noisy copies of
one prototype per class, so that a network's frozen features separate them.
"""

import numpy as np

from checker import adapters
from checker.reference.resnet import ResNet, _features_forward, _train_new_head
from checker.spec import Case, Property, Task
from checker.topics.nn.initial import Unchecked

HEAD = ("W_out", "b_out")
SLACK = 0.15  # how far below the reference head's accuracy a head may stay

# label, N, input_dim, num_filters, num_blocks, num_classes, learning_rate, num_iters
TRANSFER = [
    (("60 images 1 x 6 x 6, 3 new classes, 2 blocks of 8 filters", "60 张 1 x 6 x 6 的图像，3 个新类别，2 个 8 滤波器的块"),
     60, (1, 6, 6), 8, 2, 3, 0.5, 300),
    (("40 images 1 x 5 x 7, 2 new classes, 1 block of 6 filters", "40 张 1 x 5 x 7 的图像，2 个新类别，1 个 6 滤波器的块"),
     40, (1, 5, 7), 6, 1, 2, 0.5, 200),
    (("one image (N = 1), 2 classes", "只有一张图像（N = 1），2 个类别"), 1, (1, 6, 6), 8, 1, 2, 0.5, 100),
    (("50 images 2 x 6 x 5, 4 new classes, 2 blocks of 8 filters", "50 张 2 x 6 x 5 的图像，4 个新类别，2 个 8 滤波器的块"),
     50, (2, 6, 5), 8, 2, 4, 0.5, 300),
]


def transfer_cases(rng):
    for label, N, input_dim, F, blocks, K, learning_rate, num_iters in TRANSFER:
        pretrained = ResNet(input_dim=input_dim, num_filters=F, num_blocks=blocks, num_classes=5,
                            seed=int(rng.integers(0, 10_000))).params
        pretrained["b_out"] = rng.normal(scale=0.1, size=5)  # a trained head: not what a new one starts from
        prototypes = 1.5 * rng.normal(size=(K, *input_dim))
        y = rng.permutation(np.arange(N) % K)
        X = prototypes[y] + 0.5 * rng.normal(size=(N, *input_dim))
        yield Case(label, pretrained, X, y, K, learning_rate, num_iters, 1e-4, int(rng.integers(0, 100)))


def _accuracy(params, X, y):
    features, _ = _features_forward(params, np.asarray(X, dtype=np.float64))
    scores = features @ np.asarray(params["W_out"], dtype=np.float64) + np.asarray(params["b_out"], dtype=np.float64)
    return float(np.mean(np.argmax(scores, axis=1) == y))


def frozen_unchanged(got, expected, case, call):
    given, new = case.args[0], got["new_params"]
    changed = [name for name in given if name not in HEAD
               and not np.allclose(np.asarray(new[name], dtype=np.float64), given[name], rtol=1e-12, atol=0)]
    if changed:
        worst = max(float(np.max(np.abs(np.asarray(new[n], dtype=np.float64) - given[n]))) for n in changed)
        return (f"{len(changed)} frozen parameters changed ({', '.join(changed[:3])}; largest change {worst:.3g}): only "
                "W_out and b_out are trained", f"{len(changed)} 个冻结的参数被改变了（{', '.join(changed[:3])}；"
                f"最大变化 {worst:.3g}）：只训练 W_out 和 b_out")
    return None


def inputs_unchanged(got, expected, case, call):
    given, after = case.args[0], got["params_after"]
    after = after.value if isinstance(after, Unchecked) else after
    if not isinstance(after, dict):
        return None
    changed = sorted(set(given) ^ set(after)) + [
        name for name in set(given) & set(after)
        if np.shape(after[name]) != np.shape(given[name]) or not np.array_equal(after[name], given[name])]
    if changed:
        return (f"the pretrained params you were given changed in {len(changed)} entries ({', '.join(changed[:3])}): "
                "build a new dict (new = dict(params)) and leave the pretrained model as it was",
                f"传入的预训练 params 有 {len(changed)} 项被改变（{', '.join(changed[:3])}）：请建一个新字典"
                "（new = dict(params)），不要改动预训练模型")
    return None


def head_accuracy(got, expected, case, call):
    _, X, y = case.args[:3]
    mine, reference = _accuracy(got["new_params"], X, y), _accuracy(expected["new_params"], X, y)
    bound = reference - SLACK
    if mine < bound:
        return (f"the new head classifies {mine:.0%} of its {len(y)} training images correctly; the reference head "
                f"trained the same way gets {reference:.0%} (at least {bound:.0%} expected)",
                f"新的输出层对它的 {len(y)} 张训练图像分类正确率为 {mine:.0%}；按同样方式训练的参考输出层为 "
                f"{reference:.0%}（至少应达到 {bound:.0%}）")
    return None


TRANSFER_PROPERTIES = [
    Property(("frozen weights unchanged", "冻结的权重不变"), frozen_unchanged,
             ("Compute the features once with the pretrained stem and blocks, and train only the head on them.",
              "用预训练的主干和残差块只计算一次特征，只在特征上训练输出层。")),
    Property(("the pretrained model left as it was", "预训练模型保持原样"), inputs_unchanged,
             ("params belongs to the caller (the pretrained model): copy it before putting the new head in.",
              "params 属于调用者（预训练模型）：放入新的输出层之前先复制一份。")),
    Property(("the new head's accuracy", "新输出层的准确率"), head_accuracy,
             ("Train W_out (F, num_classes) and b_out on the global-average-pooled features with the softmax loss, "
              "for num_iters full-batch steps of size learning_rate.",
              "在全局平均池化后的特征上用 softmax 损失训练 W_out (F, num_classes) 和 b_out，"
              "以 learning_rate 为步长做 num_iters 步全批量梯度下降。")),
]

class TransferTask(Task):
    """The caller's dict after the call is judged by a property, not compared with the reference's."""

    def interpret(self, result, case):
        if isinstance(result, tuple) and len(result) == 2:
            return result[0], Unchecked(result[1])
        return result


TASKS = [
    TransferTask("resnet.train_new_head", cases=transfer_cases, outputs=("new_params", "params_after"),
         adapter=adapters.with_inputs_after, compare_values=False, properties=TRANSFER_PROPERTIES, time_limit=20.0,
         hints={"wrong_type": ("Return one dict: the given stem and block parameters (unchanged) plus the new W_out "
                               "and b_out.",
                               "返回一个字典：原样的主干和残差块参数，加上新的 W_out 和 b_out。")}),
]
