"""Every message the checker shows, in English and Chinese.

Keys are referenced as ``Text("key", **params)``; a test makes sure every key has
both languages and the same placeholders in each.
"""

MESSAGES = {
    # ---------------------------------------------------------------- report
    "report.passed": {
        "en": "{task}: passed ({passed}/{total} cases)",
        "zh": "{task}：通过（{passed}/{total} 个用例）",
    },
    "report.failed": {
        "en": "{task}: not yet ({passed}/{total} cases pass, score {score})",
        "zh": "{task}：尚未通过（{passed}/{total} 个用例通过，得分 {score}）",
    },
    "report.failed_all_cases": {
        "en": "{task}: not yet (all {total} cases match, but the findings below lower the score to {score})",
        "zh": "{task}：尚未通过（全部 {total} 个用例都一致，但下面的问题使得分降为 {score}）",
    },
    "label.case": {"en": "Case", "zh": "用例"},
    "label.and_more": {"en": "and {n} more", "zh": "另有 {n} 个"},
    "label.also_in": {"en": "Also in", "zh": "也出现在"},
    "label.expected": {"en": "Expected", "zh": "期望"},
    "label.got": {"en": "Got", "zh": "实际"},
    "label.hint": {"en": "Hint", "zh": "提示"},
    "label.where": {"en": "First difference at index", "zh": "第一个不同之处的下标"},
    "word.return_value": {"en": "the return value", "zh": "返回值"},
    "ok": {"en": "All {total} cases match the reference.", "zh": "全部 {total} 个用例都与参考实现一致。"},
    "property": {"en": "Property {name}: {message}", "zh": "性质“{name}”不成立：{message}"},
    "hint.property": {
        "en": "Random results are checked by their properties (shapes, statistics, determinism for a seed), "
              "not by one particular order of random draws. Re-read the task's rule for this property.",
        "zh": "随机结果按其性质检查（形状、统计量、给定种子时的确定性），而不要求某种特定的随机数抽取顺序。"
              "请重读题目中关于这一性质的规定。",
    },
    "property.error": {
        "en": "checking it ran your code again, which raised {type}: {message}",
        "zh": "检查这一性质时再次运行了你的代码，它抛出了 {type}：{message}",
    },
    "note.reference_forward": {
        "en": "Your {forward} is not implemented yet, so the reference {forward} built the caches for this check.",
        "zh": "你的 {forward} 尚未实现，因此本次检查使用参考实现的 {forward} 生成 cache。",
    },
    # ---------------------------------------------------------------- calling the function
    "not_implemented": {
        "en": "Not implemented yet: the function raises NotImplementedError.",
        "zh": "尚未实现：函数抛出 NotImplementedError。",
    },
    "hint.not_implemented": {
        "en": "Replace the line `raise NotImplementedError()` with your code, run the cell, then this check again.",
        "zh": "把 `raise NotImplementedError()` 这一行换成你的代码，运行该单元格，再重新运行检查。",
    },
    "returned_none": {"en": "The function returned None.", "zh": "函数返回了 None。"},
    "hint.returned_none": {
        "en": "Did you forget the `return` statement, or return the result of an in-place method such as list.sort()?",
        "zh": "是否忘了写 `return`，或者返回了原地操作（如 list.sort()）的结果？",
    },
    "exception": {"en": "Your code raised {type}: {message}", "zh": "你的代码抛出了 {type}：{message}"},
    "hint.exception.library": {
        "en": "No line of your own code is in the traceback: the error came from a library function you called "
              "(or passed on directly). Check the arguments it got, their shapes and types.",
        "zh": "回溯中没有你自己代码的行：错误来自你调用（或直接传入）的库函数。检查它收到的参数及其形状和类型。",
    },
    "hint.exception": {
        "en": "Where lines of your own code are listed above, the last one is where it failed. Print the shapes of the arrays involved.",
        "zh": "如果上面列出了你自己代码中的行，最后一行就是出错的位置。可以打印相关数组的形状来排查。",
    },
    "timeout": {
        "en": "A case took longer than {limit} s and was stopped; the remaining cases were skipped.",
        "zh": "某个用例运行超过 {limit} 秒被中止，其余用例已跳过。",
    },
    "hint.timeout": {
        "en": "Look for a loop that never ends, or one that runs over far more elements than needed.",
        "zh": "检查是否有死循环，或循环次数远超需要。",
    },
    "uses_reference": {
        "en": "Your function called the reference solution ({name}) instead of computing the answer itself.",
        "zh": "你的函数调用了参考答案（{name}），而不是自己计算。",
    },
    "hint.uses_reference": {
        "en": "The reference is there for the checker; write the computation yourself.",
        "zh": "参考答案是给检查器用的；请自己写出计算过程。",
    },
    "printed_output": {
        "en": "Your function printed {lines} lines; they are hidden here (first lines below).",
        "zh": "你的函数打印了 {lines} 行，此处已隐藏（下面是开头几行）。",
    },
    # ---------------------------------------------------------------- types and structure
    "wrong_type.array": {
        "en": "{name} should be a NumPy array of shape {shape}, but it is a {got}.",
        "zh": "{name} 应当是形状为 {shape} 的 NumPy 数组，但实际是 {got}。",
    },
    "hint.wrong_type.array": {
        "en": "Build the result with NumPy operations, or convert it with np.array(...) before returning.",
        "zh": "用 NumPy 运算构造结果，或在返回前用 np.array(...) 转换。",
    },
    "wrong_type.sequence": {
        "en": "{name} should be {n} values, but it is a {got}.",
        "zh": "{name} 应当包含 {n} 个值，但实际是 {got}。",
    },
    "hint.wrong_type.outputs": {
        "en": "Return the values in this order: {names}.",
        "zh": "请按这个顺序返回：{names}。",
    },
    "wrong_type.dict": {
        "en": "{name} should be a dict with keys {keys}, but it is a {got}.",
        "zh": "{name} 应当是包含键 {keys} 的字典，但实际是 {got}。",
    },
    "wrong_type.missing_keys": {
        "en": "{name} should have the keys {keys}; missing: {missing}.",
        "zh": "{name} 应当包含键 {keys}；缺少：{missing}。",
    },
    "wrong_type.number": {
        "en": "{name} should be a single number, but it is a {got}.",
        "zh": "{name} 应当是一个数，但实际是 {got}。",
    },
    "wrong_type.dtype": {
        "en": "{name} should hold numbers, but its element type is {dtype}.",
        "zh": "{name} 应当存放数值，但其元素类型是 {dtype}。",
    },
    # ---------------------------------------------------------------- shape
    "shape.mismatch": {
        "en": "{name} has shape {got}, expected {expected}. {explain}",
        "zh": "{name} 的形状是 {got}，期望是 {expected}。{explain}",
    },
    "shape.axes": {
        "en": "Expected {expected}, got {got}; compare each length with the sizes named on the right.",
        "zh": "期望 {expected}，实际 {got}；请把每个轴的长度与右边标注的尺寸对照。",
    },
    "shape.lengths": {
        "en": "The number of axes is right, but {axes} has the wrong length; compare it with the sizes named on the right.",
        "zh": "轴的个数是对的，但{axes}的长度不对；请与右边标注的尺寸对照。",
    },
    "shape.extra_axis": {
        "en": "It has an extra axis of length 1: keepdims=True, or a column vector where a flat one was expected?",
        "zh": "多了一个长度为 1 的轴：是否用了 keepdims=True，或在需要一维向量的地方返回了列向量？",
    },
    "shape.missing_axis": {
        "en": "It lacks an axis of length 1: use keepdims=True or reshape to keep it.",
        "zh": "少了一个长度为 1 的轴：可以用 keepdims=True 或 reshape 保留它。",
    },
    "shape.broadcast": {
        "en": "A vector of length {n} became an {n} x {n} matrix: an (n,) array and an (n, 1) array were probably broadcast together.",
        "zh": "长度为 {n} 的向量变成了 {n} x {n} 的矩阵：很可能是 (n,) 数组与 (n, 1) 数组发生了广播。",
    },
    "shape.scalar_expected": {
        "en": "{name} should be a single number, but it is an array of shape {shape}.",
        "zh": "{name} 应当是一个数，但实际是形状为 {shape} 的数组。",
    },
    "hint.shape.scalar": {
        "en": "Reduce over every axis (np.sum(x) without axis=...), or take .item() of a one-element array.",
        "zh": "对所有轴求和（np.sum(x) 不带 axis=...），或对只有一个元素的数组取 .item()。",
    },
    "shape.got_scalar": {
        "en": "{name} should be an array of shape {expected}, but it is the single number {value}.",
        "zh": "{name} 应当是形状为 {expected} 的数组，但实际是一个数 {value}。",
    },
    "hint.shape.got_scalar": {
        "en": "A reduction (sum, mean, max) without axis=... collapses the whole array into one number.",
        "zh": "不带 axis=... 的归约（sum、mean、max）会把整个数组变成一个数。",
    },
    "transposed": {
        "en": "{name} is the transpose of the expected result: expected {expected}, got {got}.",
        "zh": "{name} 是期望结果的转置：期望 {expected}，实际 {got}。",
    },
    "transposed.square": {
        "en": "{name} is the transpose of the expected result (the shape hides it because it is square).",
        "zh": "{name} 是期望结果的转置（因为是方阵，形状看不出来）。",
    },
    "hint.transposed": {
        "en": "Check the order of the operands of the matrix product, and which index runs over rows.",
        "zh": "检查矩阵乘法中两个操作数的顺序，以及哪个下标对应行。",
    },
    # ---------------------------------------------------------------- values
    "non_finite.array": {
        "en": "{name} contains {what} at index {index} ({count} non-finite entries in all) where the expected values are finite.",
        "zh": "{name} 在下标 {index} 处是 {what}（共有 {count} 个非有限值），而期望值都是有限的。",
    },
    "non_finite.scalar": {
        "en": "{name} is {got}, but the expected value is finite.",
        "zh": "{name} 是 {got}，但期望值是有限的。",
    },
    "hint.non_finite": {
        "en": "np.exp overflows for large inputs (subtract the maximum first); log(0) gives -inf and 0/0 gives NaN.",
        "zh": "np.exp 在输入很大时会溢出（先减去最大值）；log(0) 得到 -inf，0/0 得到 NaN。",
    },
    "dtype.truncated": {
        "en": "{name} has integer type {dtype}, so the fractional parts were cut off.",
        "zh": "{name} 是整数类型 {dtype}，小数部分被截断了。",
    },
    "hint.dtype.truncated": {
        "en": "np.zeros_like(X) copies X's integer type; create float outputs with np.zeros(shape) or .astype(float).",
        "zh": "np.zeros_like(X) 会沿用 X 的整数类型；请用 np.zeros(shape) 或 .astype(float) 创建浮点输出。",
    },
    "dtype.precision": {
        "en": "{name} has type {dtype}, which is too imprecise for these values: compute in float64.",
        "zh": "{name} 的类型是 {dtype}，精度不足以表示这些值：请用 float64 计算。",
    },
    "dtype.integer_required": {
        "en": "{name} must hold whole numbers (it has dtype {dtype} and non-integer values).",
        "zh": "{name} 必须是整数（它的类型是 {dtype}，且含有非整数值）。",
    },
    "sign": {"en": "{name} has the opposite sign of the expected values.", "zh": "{name} 与期望值符号相反。"},
    "hint.sign": {
        "en": "Check the direction of a subtraction (prediction - target, not target - prediction) or a missing minus.",
        "zh": "检查减法的方向（预测值 - 目标值，而不是反过来）或是否漏了负号。",
    },
    "scale": {
        "en": "{name} is {factor} times the expected values.",
        "zh": "{name} 是期望值的 {factor} 倍。",
    },
    "scale.named": {
        "en": "{name} is {factor} times the expected values; the factor equals {size}.",
        "zh": "{name} 是期望值的 {factor} 倍；这个倍数正好等于 {size}。",
    },
    "scale.across": {
        "en": "In every case that differs, {name} is the expected value times {size}.",
        "zh": "在每个不一致的用例中，{name} 都等于期望值乘以 {size}。",
    },
    "hint.scale.size": {
        "en": "A factor equal to a size usually means an average is missing (divide by N) or was applied twice.",
        "zh": "倍数等于某个尺寸，通常意味着漏了求平均（除以 N）或除了两次。",
    },
    "hint.scale": {
        "en": "Look for a constant such as 2 or 1/2 that is missing or extra.",
        "zh": "检查是否多了或少了像 2 或 1/2 这样的常数。",
    },
    "offset": {
        "en": "{name} differs from the expected values by the same amount everywhere ({delta}).",
        "zh": "{name} 与期望值处处相差同一个常数（{delta}）。",
    },
    "offset.rows": {
        "en": "Every row of {name} is off by the same vector ({delta}).",
        "zh": "{name} 的每一行都差同一个向量（{delta}）。",
    },
    "offset.columns": {
        "en": "Each row of {name} is off by a constant of its own (per-row offsets {delta}).",
        "zh": "{name} 的每一行各差一个常数（每行偏移 {delta}）。",
    },
    "hint.offset.axis": {
        "en": "Something was added or subtracted along the wrong axis: check axis=0 (down the columns) against axis=1 (along the rows).",
        "zh": "某个量沿着错误的轴被加上或减去：请对照 axis=0（沿列向下）和 axis=1（沿行）。",
    },
    "mismatch.array": {
        "en": "{name} differs in {count} of {total} entries; the first is at {index}: expected {expected}, got {got}.",
        "zh": "{name} 有 {count}/{total} 个元素不同；第一个在 {index}：期望 {expected}，实际 {got}。",
    },
    "mismatch.scalar": {"en": "{name} is {got}, expected {expected}.", "zh": "{name} 是 {got}，期望 {expected}。"},
    "mismatch.zeros": {
        "en": "{name} is all zeros: the result seems never to have been filled in.",
        "zh": "{name} 全是 0：结果似乎从未被填入。",
    },
    "known_mistake": {
        "en": "{name} is exactly what this common mistake produces: {mistake}.",
        "zh": "{name} 恰好是这个常见错误的结果：{mistake}。",
    },
    # ---------------------------------------------------------------- task-declared diagnoses
    "missing_regularization": {
        "en": "{name} equals the expected value computed with {arg}=0: the regularization term is missing here.",
        "zh": "{name} 等于 {arg}=0 时的期望值：这里缺少正则化项。",
    },
    "hint.missing_regularization": {
        "en": "Add the regularization term to the loss and its derivative to the gradient.",
        "zh": "在损失中加上正则化项，并在梯度中加上它的导数。",
    },
    "regularization_scale": {
        "en": "{name} contains the regularization term, but {factor} times the expected amount.",
        "zh": "{name} 含有正则化项，但它是期望值的 {factor} 倍。",
    },
    "hint.regularization_scale": {
        "en": "The derivative of reg * sum(W * W) is 2 * reg * W; of 0.5 * reg * sum(W * W) it is reg * W.",
        "zh": "reg * sum(W * W) 的导数是 2 * reg * W；0.5 * reg * sum(W * W) 的导数是 reg * W。",
    },
    "gradient": {
        "en": "{grad} disagrees with the numerical gradient of your own {loss} with respect to {wrt}: relative error {error} (should be below {tol}).",
        "zh": "{grad} 与你自己的 {loss} 对 {wrt} 的数值梯度不一致：相对误差 {error}（应小于 {tol}）。",
    },
    "hint.gradient": {
        "en": "Differentiate your loss term by term; a term you added to the loss needs its derivative in the gradient too.",
        "zh": "逐项对损失求导；加进损失的每一项，其导数也要加进梯度。",
    },
    "mutates_input": {
        "en": "Your function changed its input {arg} in place ({count} entries changed); the caller's data must stay as it was.",
        "zh": "你的函数原地修改了输入 {arg}（改变了 {count} 个元素）；调用者的数据必须保持不变。",
    },
    "hint.mutates_input": {
        "en": "Write X = X - m instead of X -= m, or work on X.copy().",
        "zh": "写成 X = X - m 而不是 X -= m，或者在 X.copy() 上操作。",
    },
    "not_vectorized": {
        "en": "This task must be loop-free, but your code ran {small} Python lines on the small case and {large} on the larger one, "
              "so it loops over the data (busiest: {line}; {ratio}x the reference's time).",
        "zh": "这个任务要求不用循环，但你的代码在小用例上执行了 {small} 行 Python，在大用例上执行了 {large} 行，"
              "说明它在对数据做循环（最频繁：{line}；耗时是参考实现的 {ratio} 倍）。",
    },
    "not_vectorized.line": {"en": "line {line} ({count}x)", "zh": "第 {line} 行（{count} 次）"},
    "hint.not_vectorized": {
        "en": "Replace the loop with broadcasting (a[:, None, :] - b[None, :, :]) or a matrix product.",
        "zh": "用广播（a[:, None, :] - b[None, :, :]）或矩阵乘法代替循环。",
    },
    # ---------------------------------------------------------------- gradcheck
    "gradcheck.result": {
        "en": "relative error {error}: {verdict}",
        "zh": "相对误差 {error}：{verdict}",
    },
    "gradcheck.great": {"en": "great (below 1e-7)", "zh": "很好（小于 1e-7）"},
    "gradcheck.kinks": {
        "en": "fine if the function has kinks (ReLU, max, hinge) near these inputs; otherwise suspicious",
        "zh": "如果函数在这些输入附近有拐点（ReLU、max、hinge）则可以接受，否则可疑",
    },
    "gradcheck.bug": {"en": "too large: the analytic gradient is probably wrong", "zh": "过大：解析梯度很可能有错"},
    "gradcheck.worst": {
        "en": "largest difference at index {index}: analytic {analytic}, numerical {numerical}",
        "zh": "差别最大的位置 {index}：解析 {analytic}，数值 {numerical}",
    },
}
