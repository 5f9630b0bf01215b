"""Questions of notebook 02, softmax and cross-entropy."""

from ...i18n import N_
from ..answers import Question, register

register(
    Question(id="q02_grad_true_class", notebook="02", kind="number",
             prompt=N_("One example, p of the true class 0.9: the gradient of the loss for that class's "
                       "score?"),
             answer_digest="ffe616e28103a848cc8a18531f5ba096e153b50c6d597297ad5cb69e39496f6a",
             hint=N_("Use the boxed formula p - y for this one entry; mind the sign."), points=1),
    Question(id="q02_naive_overflow", notebook="02", kind="choice", choices=("a", "b", "c", "d"),
             prompt=N_("What does the naive softmax exp(x) / sum(exp(x)) return for scores [1000, 1001, "
                       "1002]?"),
             answer_digest="2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6",
             hint=N_("Compute exp(1000) in float64 first (see the line above the question), then the "
                     "division."),
             points=1),
    Question(id="q02_initial_loss_47", notebook="02", kind="number",
             prompt=N_("The loss at initialisation of a classifier with 47 classes (small random weights)?"),
             answer_digest="09e520bed665b541d193ca7a3bb51905c46e18a86b41101f49f4c23c08cf7248",
             hint=N_("With all scores near 0, what probability does every class get, and what is -log of "
                     "it?"),
             points=1),
)
