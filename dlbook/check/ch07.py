"""Checkable exercises of chapter 7; see ``dlbook.check``.

``ch7-port``: move a linear layer's weights from PyTorch's layout,
``weight`` of shape ``(n_out, n_in)``, to Keras's (and ``dlbook``'s),
``kernel`` of shape ``(n_in, n_out)`` (the chapter's opening section).
"""

from . import Mistake, register

# ---------------------------------------------- PyTorch layout to Keras


def _to_keras(weight, bias):
    return weight.T, bias                       # (n_in, n_out), (n_out,)


def _port_cases(rng):
    return [(rng.normal(size=(n_out, n_in)), rng.normal(size=n_out))
            for n_out, n_in in [(3, 5), (10, 64), (4, 2)]]


register(
    id="ch7-port",
    title="a PyTorch Linear's (weight, bias) as a Keras Dense's "
          "(kernel, bias)",
    page="ch07_tools/index.ipynb",
    stars=1,
    reference=_to_keras,
    cases=_port_cases,
    outputs=("kernel", "bias"),
    mistakes=(
        Mistake("weight kept as it is", lambda weight, bias: (weight, bias),
                "the kernel still has PyTorch's shape (n_out, n_in): "
                "PyTorch computes x @ weight.T + bias, Keras x @ kernel + "
                "bias, so the kernel is the transpose of the weight"),
        Mistake("reshape instead of transpose",
                lambda weight, bias: (weight.reshape(weight.shape[::-1]),
                                      bias),
                "the kernel has the right shape but its numbers are in "
                "the wrong places: reshape keeps the order of the entries "
                "and only regroups them, while the layout change needs the "
                "transpose, which moves weight[j, i] to kernel[i, j]"),
        Mistake("bias as a column",
                lambda weight, bias: (weight.T, bias.reshape(-1, 1)),
                "the bias must stay a vector of shape (n_out,): Keras's "
                "set_weights refuses a column (n_out, 1), and added to a "
                "batch's (n, n_out) outputs a column fails to broadcast, "
                "or, when n = n_out, silently gives the wrong numbers"),
    ),
)
