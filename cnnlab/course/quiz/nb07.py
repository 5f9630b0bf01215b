"""Questions of notebook 07, batch normalisation and dropout."""

from ...i18n import N_
from ..answers import Question, register

register(
    Question(id="q07_values_per_channel", notebook="07", kind="number", digits=6,
             prompt=N_("Spatial batch norm on x of shape (32, 8, 14, 14): over how many values is each "
                       "channel's mean taken?"),
             answer_digest="4dcd556f7a07c0c12fbe1bd911c3f5b857ebb09e57f4a0ac76ceeca171f3bc49",
             hint=N_("Every pixel of every example is one sample of each channel; the channels are "
                     "normalised separately."), points=1),
    Question(id="q07_conv_bias_grad", notebook="07", kind="choice", choices=("a", "b", "c", "d"),
             prompt=N_("A convolution with a bias feeds spatial batch norm in train mode: what is the "
                       "gradient with respect to the bias?"),
             answer_digest="3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d",
             hint=N_("Add the same constant to every value of one channel: what happens to x_hat, and so "
                     "to the loss? Section 3 also says what sum_i dx_i is."), points=1),
    Question(id="q07_running_var_after_20", notebook="07", kind="number",
             prompt=N_("Running variance of a fresh BatchNorm1d (momentum 0.1) after 20 batches of "
                       "variance 0?"),
             answer_digest="06061822134d032eb1774b1c6731ad11b3b278e42f043966a9e694a4d6aa3e70",
             hint=N_("Each step keeps (1 - momentum) of the old running value and adds momentum times "
                     "the batch's, here 0; it starts at 1."), points=1),
    Question(id="q07_dropout_survivor", notebook="07", kind="number",
             prompt=N_("Inverted dropout, p = 0.2, train mode, input all 3.0: the value of a surviving "
                       "output entry?"),
             answer_digest="c02a87b566e653db888d05dc45e0291c9a6b5d3697ef63c95035ad226586623d",
             hint=N_("Survivors are scaled so that the expected output equals the input; p is the "
                     "probability of dropping."), points=1),
)
