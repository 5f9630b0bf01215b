"""Questions of notebook 06, pooling."""

from ...i18n import N_
from ..answers import Question, register

register(
    Question(id="q06_nonzero_grads", notebook="06", kind="number", digits=6,
             prompt=N_("2x2 max pooling, stride 2, on a 28x28 map without ties: how many of the 784 entries "
                       "of dx are non-zero?"),
             answer_digest="b4bbe448fde336bb6a7d7d765f36d3327c772b845e7b54c8282aa08c9775ddd7",
             hint=N_("Each window sends its gradient to exactly one pixel. How many windows are there?"),
             points=1),
    Question(id="q06_avg_overlap", notebook="06", kind="number", digits=2,
             prompt=N_("3x3 average pooling, stride 1, 5x5 input, dout of ones: what is dx at row 1, column "
                       "2?"),
             answer_digest="dd2f324d090bedf04eda038fd97aa8a9f6078d233eeb4ce45e779374d5c97338",
             hint=N_("Each window gives each of its pixels 1/9. Count the windows that contain the "
                     "pixel: rows and columns separately."),
             points=1),
    Question(id="q06_tie_choice", notebook="06", kind="choice", choices=("a", "b", "c", "d"),
             prompt=N_("For the tied window [[3, 3], [1, 0]] and dout = 1, which dx would be a wrong "
                       "backward?"),
             answer_digest="18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4",
             hint=N_("Nudge both 3s up by h together: by how much does the output move? A valid "
                     "gradient must predict that."),
             points=1),
)
