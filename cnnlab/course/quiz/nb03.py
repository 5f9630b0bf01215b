"""Questions of notebook 03, numerical gradient checking."""

from ...i18n import N_
from ..answers import Question, register

register(
    Question(id="q03_halve_h", notebook="03", kind="number",
             prompt=N_("Halve the step h: by what factor does the error of a central difference shrink?"),
             answer_digest="4b227777d4dd1fc61c6f884f48641d02b4d121d3fd328cb08b5531fcacdabf8a",
             hint=N_("The error's leading term is proportional to a power of h: which one?"), points=1),
    Question(id="q03_float32_rounding", notebook="03", kind="choice", choices=("a", "b", "c", "d"),
             prompt=N_("Central difference in float32 with h = 1e-5: how large is the rounding error alone, "
                       "roughly?"),
             answer_digest="18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4",
             hint=N_("The rounding term is about eps |f| / h; look up eps for float32 in section 2."),
                  points=1),
    Question(id="q03_mean_db_error", notebook="03", kind="number",
             prompt=N_("db averaged instead of summed over a batch of N = 8: the relative error of db?"),
             answer_digest="096cef6ebcc191367a8aad95fd5b98422bb86c26702f733231c475b02d0c5e61",
             hint=N_("Write the wrong db as a fraction of the right one, then apply the relative-error "
                     "formula entry by entry."), points=1),
)
