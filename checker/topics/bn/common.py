"""What the task families of notebook 07 share: bilingual texts, the mistake constructor and the
hint for statistics of shape (1, D)."""

from checker.spec import KnownMistake


def t(en, zh):
    """A text in English and Chinese."""
    return (en, zh)


def mistake(en, zh, implementation, hint_en, hint_zh):
    return KnownMistake(t(en, zh), implementation, t(hint_en, hint_zh))


ROW_SHAPE = t("Per-feature results (dgamma, dbeta, running_mean, running_var) have shape (D,), like gamma: sum or "
              "average with axis=0 and without keepdims=True, which gives (1, D).",
              "按特征计算的结果（dgamma、dbeta、running_mean、running_var）的形状是 (D,)，与 gamma 相同：沿 axis=0 "
              "求和或求平均时不要写 keepdims=True，否则得到 (1, D)。")
