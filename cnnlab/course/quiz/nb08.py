"""Questions of notebook 08, optimizers and initialisation."""

from ...i18n import N_
from ..answers import Question, register

register(
    Question(id="q08_largest_stable_lr", notebook="08", kind="number",
             prompt=N_("Gradient descent on f(p) = (2 p1^2 + 50 p2^2) / 2: the learning rate above which "
                       "it diverges?"),
             answer_digest="a888fe9e2469182b8e3e3bca241d3189dc144349bc2d0ac64c56c444276e9763",
             hint=N_("Each coordinate is multiplied by 1 - lr * curvature per step; which of the two "
                     "curvatures runs out of room first?"), points=1),
    Question(id="q08_uncorrected_first_step", notebook="08", kind="number",
             prompt=N_("Adam without bias correction, constant gradient, betas (0.9, 0.999): the first "
                       "step in units of lr?"),
             answer_digest="a2108a37a6605e337adae024a2134378f1a4e5854f1d2f023d413769518029e5",
             hint=N_("After one step from zero, m_1 = (1 - beta1) g and v_1 = (1 - beta2) g^2; the step is "
                     "lr * m_1 / sqrt(v_1)."), points=1),
    Question(id="q08_std_factor_per_layer", notebook="08", kind="number",
             prompt=N_("Linear(512, 512) + ReLU layers with weights N(0, 0.02^2): the factor of the "
                       "output std per layer?"),
             answer_digest="60bb8f6c52a2aca85b1a3ae08e71f97dd3fa8603b55abefb09ebb0edfe5294d1",
             hint=N_("Var(y) = n_in sigma^2 E[x^2], and after ReLU E[x^2] is half the variance of the "
                     "layer below; the std factor is the square root of the variance factor."), points=1),
)
