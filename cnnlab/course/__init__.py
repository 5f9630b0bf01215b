"""Course mode: students write the layers, train their own LeNet-5, and are graded.

In a notebook, the student writes a function and marks which exercise it answers::

    from cnnlab.course import check, exercise

    @exercise("conv2d_backward")
    def conv2d_backward(dout, cache):
        ...

    check(conv2d_backward)          # fresh random cases, a gradient check, a diagnosis

``@exercise`` saves the function's source into the student's own file,
``my_layers.py`` beside the notebooks (``CNNLAB_MY_LAYERS`` names another), so
later notebooks, and the lecturer, find it there. Until the function is written
(its body still ``raise NotImplementedError``), calling it falls back to the
library's version, so every later cell runs. :func:`use_my_layers` binds every
written and passing function of that file into the layers through
:mod:`cnnlab.ops`, and says by name which functions are still the library's.

Conceptual questions are checked the same way: ``check("q04_output_height", 14)``.

Notebook conventions (the teacher edition, ``notebooks/``)
----------------------------------------------------------
* A coding exercise is a code cell tagged ``solution`` holding the full answer (one
  or more ``@exercise``-decorated functions, or for a question an assignment
  ``q04_output_height = 14``), followed by a code cell tagged ``check`` that calls
  :func:`check`. ``solution`` is the one marker of solution content.
* An open question is a markdown cell tagged ``answer`` (the student's space),
  then a markdown cell tagged ``solution`` with the model answer.
* A cell tagged ``teacher-only`` is left out of the student edition (it would give
  an answer away).

``python -m cnnlab.course release OUT/`` writes the student edition (stubs for the
solutions, nbgrader metadata); ``python -m cnnlab.course grade SUBMISSIONS/ --out
GRADES/`` executes and scores submissions on fresh random inputs.
"""

from .catalog import Case, Exercise, Mistake, lookup
from .checker import CheckResult, check
from .student import exercise, my_layers_path, use_my_layers

__all__ = ["Case", "CheckResult", "Exercise", "Mistake", "check", "exercise", "lookup",
           "my_layers_path", "use_my_layers"]
