"""Questions of notebook 01, the linear layer and activation functions."""

from ...i18n import N_
from ..answers import Question, register

register(
    Question(id="q01_linear_params", notebook="01", kind="number", digits=6,
             prompt=N_("How many learned numbers does a linear layer from 784 inputs to 10 outputs hold?"),
             answer_digest="be180d34dddf670bded23c372ef94f41d135935bf9ddeaca77d11c1ac53a6bf3",
             hint=N_("Count the entries of w, of shape (D, M), and do not forget the bias."), points=1),
    Question(id="q01_saturation", notebook="01", kind="choice", choices=("a", "b", "c", "d"),
             prompt=N_("A sigmoid layer fed raw pixels 0..255: what happens to the gradient through most "
                       "units?"),
             answer_digest="3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d",
             hint=N_("Pre-activations are sums of 784 pixels times weights: how large is a typical |z| "
                     "now, and what is the sigmoid's slope there?"), points=1),
    Question(id="q01_sigmoid_shrink", notebook="01", kind="number",
             prompt=N_("At most, by what factor is a gradient multiplied through the sigmoids of 5 layers?"),
             answer_digest="8aa989347cef41fe345d16704f64f921c592a2398e34df9a3fbaddd0de6e857a",
             hint=N_("Each layer multiplies by sigma'(z); what is the largest value sigma' takes?"),
                  points=1),
)
