"""The course's exercises and their known mistakes, one module per notebook.

Importing this package registers every :class:`~cnnlab.course.catalog.Exercise`
in :data:`cnnlab.course.catalog.EXERCISES`, in notebook order.
"""

from . import nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08  # noqa: F401
