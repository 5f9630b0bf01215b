"""Questions of notebook 04, the convolution forward."""

from ...i18n import N_
from ..answers import Question, register

register(
    Question(id="q04_num_params", notebook="04", kind="number", digits=6,
             prompt=N_("How many parameters has a convolution from 6 to 16 channels with 5x5 kernels and "
                       "biases?"),
             answer_digest="0edcd7f37d75330b1d55b3353fecdd73dcb60796669ba7f1a45c0985874d883f",
             hint=N_("Count the entries of w, of shape (F, C, KH, KW), then add one bias per filter."),
             points=1),
    Question(id="q04_output_height", notebook="04", kind="number", digits=6,
             prompt=N_("Input height 32, a 4x4 kernel, padding 1, stride 2: what is H_out?"),
             answer_digest="b17ef6d19c7a5b1ee83b907c595526dcb1eb06db8227d650d5dda0a9f4ce8cd9",
             hint=N_("Padding adds P rows on each side; count how many window starts 0, S, 2S, ... "
                     "leave room for the kernel."),
             points=1),
    Question(id="q04_flatten_index", notebook="04", kind="choice", choices=("a", "b", "c", "d"),
             prompt=N_("Where does x[n, c, i, j] land in row n of x.reshape(N, -1), for x of shape (N, C, H, "
                       "W)?"),
             answer_digest="3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d",
             hint=N_("reshape reads in row-major order: the last axis changes fastest. Which axis comes "
                     "first in (N, C, H, W)?"),
             points=1),
)
