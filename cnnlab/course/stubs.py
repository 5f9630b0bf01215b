"""The student's stub of a ``solution`` code cell, and the ids a ``check`` cell checks.

Both read the cell with :mod:`ast`, never with regular expressions, so that a
string or a comment that merely looks like code changes nothing.

A stub keeps what the student needs to start and nothing of the answer:

* each top-level function keeps its decorators, its signature and its docstring,
  copied from the teacher's text (so ``1e-3`` stays ``1e-3`` and a long
  signature keeps its line breaks); its body becomes
  ``raise NotImplementedError("your turn")``;
* each top-level assignment to names, ``q04_output_height = 14``, becomes
  ``q04_output_height = ...  # your answer``;
* imports are kept;
* every other top-level statement (a loop, a ``print``, a ``check`` call) is
  dropped, as are comments, except nbval's ``# NBVAL_...`` directives at the top.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field

RAISE = 'raise NotImplementedError("your turn")'
ANSWER = "...  # your answer"


@dataclass
class Stub:
    """The stub of one cell: ``source`` for the student; ``exercises`` the ids of its
    functions (the ``@exercise`` id, else the function's name), in order;
    ``questions`` the names its assignments bind, in order; ``names`` maps each
    function's name to its exercise id."""

    source: str
    exercises: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    names: dict = field(default_factory=dict)


def exercise_id(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The id given by the function's ``@exercise("<id>")`` decorator, else its name."""
    for dec in node.decorator_list:
        if isinstance(dec, ast.Call) and _callee(dec) == "exercise":
            arg = dec.args[0] if dec.args else next(
                (k.value for k in dec.keywords if k.arg in ("exercise_id", "id")), None)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return arg.value
    return node.name


def _callee(call: ast.Call) -> str | None:
    # "check" for check(...) and for course.check(...)
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _lines(source: str) -> list[str]:
    return source.splitlines(keepends=True)


def _segment(lines: list[str], start: tuple, end: tuple) -> str:
    """Text between two (1-based line, 0-based column) positions; columns count UTF-8 bytes,
    as ast's do."""
    (l0, c0), (l1, c1) = start, end
    if l0 == l1:
        return lines[l0 - 1].encode()[c0:c1].decode()
    parts = [lines[l0 - 1].encode()[c0:].decode(), *lines[l0:l1 - 1],
             lines[l1 - 1].encode()[:c1].decode()]
    return "".join(parts)


def _header_end(source: str, lines: list[str], node) -> tuple:
    """Position (line, byte column) just after the colon that ends ``node``'s signature."""
    a = node.args
    parts = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg, *a.defaults,
             *[d for d in a.kw_defaults if d is not None], node.returns]
    after = max([(p.end_lineno, p.end_col_offset) for p in parts if p is not None]
                + [(node.lineno, node.col_offset)])
    # the first ":" operator past the last piece of the signature is the def's own colon
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.OP and tok.string == ":" and _bytes(lines, tok.start) >= after:
            return _bytes(lines, tok.end)
    raise ValueError(f"no colon after the signature of {node.name}")


def _bytes(lines: list[str], pos: tuple) -> tuple:
    # tokenize counts characters, ast counts UTF-8 bytes: give tokenize's column in bytes
    line, col = pos
    return line, len(lines[line - 1][:col].encode()) if line - 1 < len(lines) else col


def _function_stub(source: str, lines: list[str], node) -> str:
    """Decorators, signature and docstring of ``node`` as the teacher wrote them, then RAISE."""
    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
    doc = node.body[0] if ast.get_docstring(node, clean=False) is not None else None
    try:
        end = _header_end(source, lines, node)
        header = _segment(lines, (first, 0), end)
    except (ValueError, tokenize.TokenError):  # not expected for code that parsed
        bare = ast.FunctionDef(node.name, node.args, [ast.Pass()], node.decorator_list,
                               node.returns, None, **_type_params(node))
        header = ast.unparse(ast.fix_missing_locations(bare)).rsplit("\n", 1)[0]
        end = (first + header.count("\n"), 0)
    # the body's own indentation when it starts on a line of its own, else four more spaces
    own_line = node.body[0].lineno > end[0]
    indent = " " * node.body[0].col_offset if own_line else " " * (node.col_offset + 4)
    out = header.rstrip() + "\n"
    if doc is not None:
        out += indent + ast.get_source_segment(source, doc) + "\n"
    return out + indent + RAISE + "\n"


def _type_params(node) -> dict:
    return {"type_params": node.type_params} if hasattr(node, "type_params") else {}


def _assignment_stub(node: ast.Assign | ast.AnnAssign) -> tuple[str, list[str]] | None:
    """``a = b = ...  # your answer`` for an assignment to plain names (or tuples of names)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names, texts = [], []
    for target in targets:
        if isinstance(target, ast.Name):
            names.append(target.id)
            texts.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)) and target.elts and all(
                isinstance(e, ast.Name) for e in target.elts):
            names.extend(e.id for e in target.elts)
            texts.append(", ".join(e.id for e in target.elts))
        else:
            return None  # an attribute or item: not a question variable
    if isinstance(node, ast.AnnAssign):
        if node.value is None:
            return None
        return f"{texts[0]}: {ast.unparse(node.annotation)} = {ANSWER}\n", names
    value = ANSWER
    if isinstance(targets[-1], (ast.Tuple, ast.List)):  # a, b = ..., ... unpacks at run time
        value = ", ".join(["..."] * len(targets[-1].elts)) + "  # your answer"
    return " = ".join(texts) + f" = {value}\n", names


def make_stub(source: str) -> Stub:
    """The student's version of a ``solution`` code cell's ``source``.

    Raises
    ------
    SyntaxError
        The cell is not Python (an IPython magic, say); the caller names the cell.
    """
    tree = ast.parse(source)
    lines = _lines(source)
    stub = Stub("")
    chunks = []  # (kind, text): kind "def" gets two blank lines around it, as PEP 8 has
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            ex_id = exercise_id(node)
            stub.exercises.append(ex_id)
            stub.names[node.name] = ex_id
            chunks.append(("def", _function_stub(source, lines, node)))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            chunks.append(("stmt", ast.get_source_segment(source, node) + "\n"))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            made = _assignment_stub(node)
            if made is not None:
                text, names = made
                stub.questions.extend(n for n in names if n not in stub.questions)
                chunks.append(("stmt", text))
    directives = [line for line in _leading_comments(lines) if line.lstrip("# ").startswith("NBVAL_")]
    text = "".join(directives)
    for i, (kind, chunk) in enumerate(chunks):
        if i and "def" in (kind, chunks[i - 1][0]):
            text += "\n\n"
        text += chunk
    stub.source = text.rstrip("\n")
    ast.parse(stub.source)  # a stub must run: a bug here should fail the release, not the student
    return stub


def _leading_comments(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if line.strip().startswith("#"):
            out.append(line if line.endswith("\n") else line + "\n")
        elif line.strip():
            break
    return out


def checked_ids(source: str, names: dict | None = None) -> list[tuple[str, str]]:
    """What the ``check(...)`` calls of a cell check, in the cell's order, without repeats.

    ``check(fn)`` gives ``("exercise", id)``, the id being ``names[fn]`` (the
    ``@exercise`` id of a function defined in the notebook) or else the name;
    ``check("q04_output_height", 14)`` gives ``("string", "q04_output_height")``:
    a question's id, or an exercise's given by name. A cell that is not Python
    gives no ids.
    """
    names = names or {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = sorted((node for node in ast.walk(tree) if isinstance(node, ast.Call)
                    and _callee(node) == "check" and node.args),
                   key=lambda node: (node.lineno, node.col_offset))
    found = []
    for call in calls:
        arg = call.args[0]
        if isinstance(arg, ast.Name):
            item = ("exercise", names.get(arg.id, arg.id))
        elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            item = ("string", arg.value)
        else:
            continue
        if item not in found:
            found.append(item)
    return found
