"""Questions of notebook 05, the convolution backward."""

from ...i18n import N_
from ..answers import Question, register

register(
    Question(id="q05_dx_centre", notebook="05", kind="number", digits=6,
             prompt=N_("For the 3x3 example with w2 = [[1, -1], [2, 0]] and dout2 = [[1, 2], [-1, 3]], what "
                       "is dL/dx11?"),
             answer_digest="2c624232cdd221771294dfbb310aca000a0df6ac8b66b696d90ef06fdefb64a3",
             hint=N_("The centre pixel is in all four outputs; pair each delta with the weight that "
                     "multiplied x11 in that output (the kernel rotated by 180 degrees)."),
             points=1),
    Question(id="q05_db_sum", notebook="05", kind="number", digits=6,
             prompt=N_("A convolution with 16 filters gets dout = ones of shape (8, 16, 10, 10): what is "
                       "db[0]?"),
             answer_digest="1a1cf797fabe7f95836fabeca626907c77b3e6c9aff7c2290b396a238c69362e",
             hint=N_("The bias of filter 0 was added to every output pixel of feature map 0, in every "
                     "example of the batch."),
             points=1),
    Question(id="q05_patch_count", notebook="05", kind="number", digits=6,
             prompt=N_("3x3 kernel, stride 2, 7x7 input, no padding: how many patches contain pixel (2, 4)?"),
             answer_digest="4b227777d4dd1fc61c6f884f48641d02b4d121d3fd328cb08b5531fcacdabf8a",
             hint=N_("Window i covers rows 2i to 2i + 2 and window j columns 2j to 2j + 2; count the "
                     "rows and the columns separately, then multiply."),
             points=1),
)
